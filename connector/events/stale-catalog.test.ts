import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pino } from "pino";
import { Writable } from "node:stream";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { CATALOG_NOW, inputOf, macFacts, policyOf, TEST_CATALOG } from "../../test/support/policy/fixtures.ts";
import type { NewEvent } from "../store/types.ts";
import { logCatalogFreshness, noteStaleCatalogUnknowns, STALE_CATALOG_EVENT, STALE_CATALOG_EVENT_INTERVAL_MS } from "./stale-catalog.ts";

const STALE_NOW = Date.parse("2026-11-23T12:00:00Z");
const catalog = TEST_CATALOG;
const latestPatch = policyOf({ name: "mac", platform: "MACOS", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } }, "dap_latest");
const firewall = policyOf({ name: "fw", platform: "MACOS", firewallEnabled: true }, "dap_fw");

function recorder() {
  const events: NewEvent[] = [];
  return { events, store: { recordEvent: async (e: NewEvent) => void events.push(e) } };
}

function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
  return { lines, log: pino({ level: "info" }, stream) };
}

describe("os_catalog.stale events", () => {
  test("are recorded at most once an hour per store, counting the evaluations in between", async () => {
    const { events, store } = recorder();
    const evaluations = [evaluatePolicy(inputOf(latestPatch, macFacts(), { now: STALE_NOW }))];
    for (let i = 0; i < 50; i++) await noteStaleCatalogUnknowns({ store }, `dev_${i}`, catalog, evaluations, undefined, STALE_NOW + i * 1000);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, STALE_CATALOG_EVENT);
    assert.deepEqual(
      { ...events[0]!.data, since: undefined },
      { version: "2025.11.14", publishedAt: "2025-11-14", ageDays: 374, maxAgeDays: 45, datedInFuture: false, evaluations: 1, since: undefined, policyIds: ["dap_latest"], lastDeviceId: "dev_0" },
    );
    await noteStaleCatalogUnknowns({ store }, "dev_x", catalog, evaluations, undefined, STALE_NOW + STALE_CATALOG_EVENT_INTERVAL_MS);
    assert.equal(events.length, 2);
    assert.equal(events[1]!.data.evaluations, 50);
    assert.equal(events[1]!.data.since, new Date(STALE_NOW).toISOString());
  });

  test("are not recorded when the catalog's age made nothing UNKNOWN", async () => {
    const { events, store } = recorder();
    await noteStaleCatalogUnknowns({ store }, "dev", catalog, [evaluatePolicy(inputOf(latestPatch, macFacts(), { now: CATALOG_NOW }))], undefined, CATALOG_NOW);
    await noteStaleCatalogUnknowns({ store }, "dev", catalog, [evaluatePolicy(inputOf(firewall, macFacts(), { now: STALE_NOW }))], undefined, STALE_NOW);
    // FAIL is decided without the catalog being current: no event.
    await noteStaleCatalogUnknowns({ store }, "dev", catalog, [evaluatePolicy(inputOf(latestPatch, macFacts({ os: { version: "15.7.1" } }), { now: STALE_NOW }))], undefined, STALE_NOW);
    assert.equal(events.length, 0);
  });

  test("a store that cannot record does not fail the evaluation", async () => {
    const { lines, log } = logSink();
    const store = { recordEvent: async () => Promise.reject(new Error("disk full")) };
    await noteStaleCatalogUnknowns({ store, log }, "dev", catalog, [evaluatePolicy(inputOf(latestPatch, macFacts(), { now: STALE_NOW }))], undefined, STALE_NOW);
    assert.ok(lines.some((l) => l.level === 50 && l.msg === "could not record event"));
  });
});

describe("the catalog's age at start", () => {
  const store = { getSetting: async () => null };

  test("is a warning naming the version, age and the import command when stale", async () => {
    const { lines, log } = logSink();
    const f = await logCatalogFreshness(store, TEST_CATALOG, STALE_NOW, 45, log);
    assert.equal(f?.stale, true);
    const warning = lines.find((l) => l.level === 40);
    assert.ok(warning, "no warning logged");
    assert.match(String(warning.msg), /UNKNOWN: the OS release catalog 2025\.11\.14 was last confirmed against its sources on 2025-11-14, 374 days ago.*facet os-catalog update.*facet os-catalog import/);
  });

  test("is a warning in the last week before it goes stale", async () => {
    const { lines, log } = logSink();
    await logCatalogFreshness(store, TEST_CATALOG, Date.parse("2025-12-24T00:00:00Z"), 45, log);
    assert.match(String(lines.find((l) => l.level === 40)?.msg), /40 days old; it goes stale on 2025-12-30: import a newer one/);
  });

  test("is an info line with the date it goes stale while current", async () => {
    const { lines, log } = logSink();
    await logCatalogFreshness(store, TEST_CATALOG, CATALOG_NOW, 45, log);
    assert.equal(lines.filter((l) => (l.level as number) >= 40).length, 0);
    assert.match(String(lines[0]?.msg), /goes stale on 2025-12-30/);
  });
});
