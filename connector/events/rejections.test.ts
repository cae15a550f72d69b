import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import type { NewEvent } from "../store/types.ts";
import { OVERFLOW_SOURCE, RejectionEvents, SUPPRESSED_EVENT, addressSource } from "./rejections.ts";

function setup(options: { perWindow?: number; perTypePerWindow?: number; maxSources?: number } = {}) {
  let clock = 1_000_000;
  const recorded: NewEvent[] = [];
  const limiter = new RejectionEvents({
    store: { recordEvent: async (e) => void recorded.push(e) },
    now: () => clock,
    log: createLogger("silent"),
    perWindow: options.perWindow ?? 3,
    windowMs: 60_000,
    ...options,
  });
  const failed = (source: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => limiter.record({ type: "agent.auth_failed", at: clock, deviceId: null, data: { code: "bad_signature" } }, source)));
  return { limiter, recorded, failed, advance: (ms: number) => (clock += ms), stop: () => limiter.stop() };
}

test("records the first events per source in a window and counts the rest in one summary", async (t) => {
  const s = setup();
  t.after(() => s.stop());
  await s.failed("address:203.0.113.9", 500);
  assert.equal(s.recorded.length, 3);
  s.advance(60_000);
  await s.limiter.flush();
  assert.equal(s.recorded.length, 4);
  assert.deepEqual(s.recorded[3], {
    type: SUPPRESSED_EVENT,
    at: 1_060_000,
    deviceId: null,
    data: { type: "agent.auth_failed", source: "address:203.0.113.9", suppressed: 497, recorded: 3, from: 1_000_000, to: 1_060_000 },
  });
  assert.equal(s.limiter.trackedSources, 0, "ended windows are forgotten");
});

test("limits each source on its own: a noisy address does not silence another", async (t) => {
  const s = setup();
  t.after(() => s.stop());
  await s.failed("address:203.0.113.9", 50);
  await s.failed("address:198.51.100.7", 2);
  assert.deepEqual(s.recorded.map((e) => e.type).length, 5);
});

test("a new window records again, after summarising the previous one", async (t) => {
  const s = setup();
  t.after(() => s.stop());
  await s.failed("address:203.0.113.9", 10);
  s.advance(61_000);
  await s.failed("address:203.0.113.9", 1);
  await s.limiter.flush();
  assert.deepEqual(
    s.recorded.map((e) => (e.type === SUPPRESSED_EVENT ? `suppressed ${String(e.data.suppressed)}` : e.type)),
    ["agent.auth_failed", "agent.auth_failed", "agent.auth_failed", "suppressed 7", "agent.auth_failed"],
  );
});

test("records nothing extra for a source that stayed under the limit", async (t) => {
  const s = setup();
  t.after(() => s.stop());
  await s.failed("address:203.0.113.9", 3);
  await s.stop();
  assert.equal(s.recorded.length, 3);
});

test("stop writes the summaries of windows still open", async () => {
  const s = setup();
  await s.failed("address:203.0.113.9", 8);
  await s.stop();
  assert.equal(s.recorded.at(-1)?.data.suppressed, 5);
});

test("caps events per type across sources, so many addresses cannot flood either", async (t) => {
  const s = setup({ perWindow: 3, perTypePerWindow: 10 });
  t.after(() => s.stop());
  for (let i = 0; i < 100; i++) await s.failed(`address:10.0.0.${i}`, 1);
  assert.equal(s.recorded.length, 10);
  await s.stop();
  const summaries = s.recorded.filter((e) => e.type === SUPPRESSED_EVENT);
  assert.equal(summaries.reduce((n, e) => n + (e.data.suppressed as number), 0), 90, "every dropped event is counted");
});

test("bounds memory: past maxSources, new sources share one overflow entry", async (t) => {
  const s = setup({ perWindow: 1, maxSources: 5, perTypePerWindow: 1000 });
  t.after(() => s.stop());
  for (let i = 0; i < 50; i++) await s.failed(`address:10.0.1.${i}`, 2);
  assert.equal(s.limiter.trackedSources, 6, "five sources and the shared overflow entry");
  await s.stop();
  const overflow = s.recorded.find((e) => e.type === SUPPRESSED_EVENT && e.data.source === OVERFLOW_SOURCE);
  assert.equal(overflow?.data.suppressed, 45 * 2 - 1);
});

test("groups IPv6 addresses by /64 and unwraps IPv4-mapped ones", () => {
  assert.equal(addressSource("2001:db8:1:2:aaaa::1"), "address:2001:db8:1:2::/64");
  assert.equal(addressSource("2001:0db8:0001:0002:ffff:1:2:3"), "address:2001:db8:1:2::/64");
  assert.equal(addressSource("2001:db8::5"), "address:2001:db8:0:0::/64");
  assert.equal(addressSource("::1"), "address:0:0:0:0::/64");
  assert.equal(addressSource("fe80::1%eth0"), "address:fe80:0:0:0::/64");
  assert.equal(addressSource("::ffff:192.0.2.4"), "address:192.0.2.4");
  assert.equal(addressSource("192.0.2.4"), "address:192.0.2.4");
  assert.equal(addressSource(undefined), "address:unknown");
});

test("a flood from many sources writes a bounded number of summaries, the rest folded into one per type", async (t) => {
  const s = setup({ perWindow: 10, perTypePerWindow: 500 });
  t.after(() => s.stop());
  // 1,500 distinct addresses, one rejection each: past the per-type budget every source has one
  // suppressed event, which used to mean one events.suppressed row per source.
  for (let i = 0; i < 1500; i++) await s.failed(`address:10.0.${i >> 8}.${i & 255}`, 1);
  assert.equal(s.recorded.length, 500);
  s.advance(60_000);
  await s.limiter.flush();
  const summaries = s.recorded.filter((e) => e.type === SUPPRESSED_EVENT);
  assert.ok(summaries.length <= 21, `${summaries.length} summaries`);
  const total = summaries.reduce((n, e) => n + (e.data.suppressed as number), 0);
  assert.equal(total, 1000, "every suppressed event is still counted");
  const folded = summaries.find((e) => typeof e.data.sources === "number");
  assert.ok(folded, "one summary stands for the remaining sources");
  assert.equal(folded.data.type, "agent.auth_failed");
});
