import { test } from "node:test";
import { spawn } from "node:child_process";
import assert from "node:assert/strict";
import { FactsSchema, UnknownSchema } from "../../shared/facts/schema.ts";
import { collectFacts, collectWith, runCollector } from "./index.ts";
import type { Collector } from "./types.ts";
import { createContext } from "./probe.ts";
import { disksCollector } from "./disks/index.ts";
import { softwareCollector } from "./software/index.ts";

/** Every null leaf in `value` must have a reason at its path (or at an ancestor's). */
function nullsWithoutReason(value: unknown, unknown: Record<string, string>, path = ""): string[] {
  if (value === null) {
    const covered = Object.keys(unknown).some((k) => k === path || path.startsWith(`${k}.`) || path.startsWith(`${k}[`));
    return covered ? [] : [path];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => nullsWithoutReason(v, unknown, `${path}[${i}]`));
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nullsWithoutReason(v, unknown, path ? `${path}.${k}` : k));
  }
  return [];
}

test("collects real facts on this machine that pass FactsSchema, every null explained", async () => {
  const { facts, unknown, durationMs } = await collectFacts({ fresh: true });
  const parsed = FactsSchema.safeParse(facts);
  assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues?.slice(0, 3)));
  assert.equal(UnknownSchema.safeParse(unknown).success, true);
  assert.deepEqual(nullsWithoutReason(facts, unknown), []);
  for (const family of ["os", "disks", "network", "hardware", "security", "software", "processes", "users", "groups"] as const) {
    assert.notEqual(facts[family], null, `${family} is collected on Linux (${unknown[family] ?? ""})`);
  }
  assert.equal(facts.os?.family, "linux");
  assert.ok(durationMs > 0);
});

test("a process with a command line longer than the schema allows (as on a CI runner) still yields a valid document", async (t) => {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)", "--", "z".repeat(12_000)], { stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  await new Promise((resolve) => child.once("spawn", resolve));
  const { facts, repaired } = await collectFacts({ fresh: true });
  const parsed = FactsSchema.safeParse(facts);
  assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues?.slice(0, 3)));
  const mine = facts.processes?.find((p) => p.id === child.pid);
  assert.ok(mine, "the long-running child is listed");
  assert.equal(mine.name.length, 4096);
  assert.ok(mine.name.endsWith("…"));
  assert.ok(repaired?.some((p) => /^processes\[\d+\]\.name$/.test(p)));
});

test("a family whose command is missing is null with the reason", async () => {
  const ctx = createContext({ env: { PATH: "/nonexistent" } });
  const result = await collectWith([disksCollector(ctx), softwareCollector(ctx)], { cache: new Map() });
  assert.equal(result.facts.disks, null);
  assert.equal(result.unknown.disks, "lsblk: command not found");
  assert.equal(result.facts.software, null);
  assert.equal(result.unknown.software, "dpkg-query: command not found; rpm: command not found");
});

test("a family that hangs is cut off at its deadline with a reason", async () => {
  const hanging: Collector<"software"> = { family: "software", collect: () => new Promise(() => undefined) };
  const started = Date.now();
  const result = await collectWith([hanging], { familyTimeoutMs: 100, cache: new Map() });
  assert.ok(Date.now() - started < 2000);
  assert.equal(result.facts.software, null);
  assert.equal(result.unknown.software, "software: timed out after 100 ms");
});

test("a family that throws is null with the error, and does not break the others", async () => {
  const throwing: Collector<"users"> = { family: "users", collect: async () => { throw new Error("boom"); } };
  const fine: Collector<"groups"> = { family: "groups", collect: async () => ({ value: [{ id: "0", name: "root" }], unknown: {} }) };
  const result = await collectWith([throwing, fine], { cache: new Map() });
  assert.equal(result.unknown.users, "users: boom");
  assert.deepEqual(result.facts.groups, [{ id: "0", name: "root" }]);
});

test("cached families are reused until they expire, failures are not cached", async () => {
  let calls = 0;
  let now = 0;
  const counting: Collector<"hardware"> = {
    family: "hardware", cacheForMs: 1000,
    collect: async () => { calls++; return { value: null, unknown: { "": "flaky" } }; },
  };
  const cache = new Map();
  await collectWith([counting], { cache, now: () => now });
  await collectWith([counting], { cache, now: () => now });
  assert.equal(calls, 2, "a failed family is retried");
  let ok = 0;
  const stable: Collector<"hardware"> = {
    family: "hardware", cacheForMs: 1000,
    collect: async () => { ok++; return { value: { model: "m", manufacturer: "x", serial: "s", cpu_name: "c", cpu_count: 1, memory_bytes: 1 }, unknown: {} }; },
  };
  const cache2 = new Map();
  await collectWith([stable], { cache: cache2, now: () => now });
  now = 500;
  await collectWith([stable], { cache: cache2, now: () => now });
  assert.equal(ok, 1);
  now = 1500;
  await collectWith([stable], { cache: cache2, now: () => now });
  assert.equal(ok, 2);
  assert.equal((await runCollector(stable, 1000)).value?.model, "m");
});
