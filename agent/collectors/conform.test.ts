import { test } from "node:test";
import assert from "node:assert/strict";
import { FACTS_LIMITS, FactsSchema, type Facts } from "../../shared/facts/schema.ts";
import { conformFacts, truncate } from "./conform.ts";
import { collectWith } from "./index.ts";
import type { Collector } from "./types.ts";

const empty = (): Facts => ({
  os: null, disks: null, network: null, hardware: null, security: null,
  software: null, processes: null, users: null, groups: null, vendor: null,
});

test("a valid document comes back as the same object, untouched", () => {
  const facts = { ...empty(), processes: [{ id: 1, name: "/sbin/init", user: "root" }] };
  const out = conformFacts(facts, { os: "test" });
  assert.equal(out.facts, facts);
  assert.deepEqual(out.repaired, []);
});

test("an over-long command line is cut to the schema's limit and marked, leaving the caller's object alone", () => {
  const long = `/usr/bin/bash -c ${"x".repeat(10_000)}`;
  const facts = { ...empty(), processes: [{ id: 1, name: "init", user: "root" }, { id: 2, name: long, user: "ci" }] };
  const out = conformFacts(facts, {});
  const name = out.facts.processes?.[1]?.name ?? "";
  assert.equal(name.length, 4096);
  assert.ok(name.startsWith("/usr/bin/bash -c xxx"));
  assert.ok(name.endsWith("…"));
  assert.equal(out.facts.processes?.[0]?.name, "init");
  assert.equal(facts.processes[1]!.name, long);
  assert.deepEqual(out.repaired, ["processes[1].name"]);
  assert.equal(FactsSchema.safeParse(out.facts).success, true);
});

test("truncation never splits a surrogate pair", () => {
  const cut = truncate(`${"a".repeat(4094)}😀tail`, 4096);
  assert.equal(cut, `${"a".repeat(4094)}…`);
  assert.equal(truncate("short", 4096), "short");
});

test("a list over its limit is cut to the limit", () => {
  const software = Array.from({ length: FACTS_LIMITS.software + 3 }, (_, i) => ({ name: `pkg${i}`, version: "1", source: "deb" }));
  const out = conformFacts({ ...empty(), software }, {});
  assert.equal(out.facts.software?.length, FACTS_LIMITS.software);
  assert.equal(FactsSchema.safeParse(out.facts).success, true);
});

test("a value of the wrong type becomes null with the schema's complaint as its reason, never a guess", () => {
  const facts = { ...empty(), os: { family: "linux", name: "Debian", version: 12, arch: "x64" } } as unknown as Facts;
  const out = conformFacts(facts, {});
  assert.equal(out.facts.os?.version, null);
  assert.match(out.unknown["os.version"] ?? "", /did not match the facts schema/);
  assert.equal(out.facts.os?.name, "Debian");
});

test("a family that cannot be repaired field by field becomes null as a whole, and its stale reasons go", () => {
  const facts = { ...empty(), processes: [{ id: 1, name: 5, user: "root" }] } as unknown as Facts;
  const out = conformFacts(facts, { "processes[0].user": "owner not readable" });
  assert.equal(out.facts.processes, null);
  assert.match(out.unknown.processes ?? "", /processes\[0\]\.name/);
  assert.equal(out.unknown["processes[0].user"], undefined);
  assert.equal(FactsSchema.safeParse(out.facts).success, true);
});

test("reasons longer than the protocol allows are cut", () => {
  const out = conformFacts(empty(), { os: "e".repeat(5000) });
  assert.equal(out.unknown.os?.length, 1024);
});

test("collectWith hands back a document that passes the schema even when a probe returns an oversized value", async () => {
  const processes: Collector<"processes"> = {
    family: "processes",
    collect: async () => ({ value: [{ id: 7, name: "y".repeat(9000), user: null }], unknown: { "[0].user": "owner not readable" } }),
  };
  const result = await collectWith([processes], { cache: new Map() });
  assert.equal(FactsSchema.safeParse(result.facts).success, true);
  assert.equal(result.facts.processes?.[0]?.name.length, 4096);
  assert.deepEqual(result.repaired, ["processes[0].name"]);
  assert.equal(result.unknown["processes[0].user"], "owner not readable");
});
