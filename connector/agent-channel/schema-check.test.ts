import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import { SnapshotBodySchema } from "../../shared/protocol/snapshot.ts";
import { benchFacts, benchUnknown } from "../../scripts/bench/facts-document.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../../test/support/facts.ts";
import { compileCheck } from "./schema-check.ts";

const check = compileCheck(SnapshotBodySchema);

function body(facts: unknown, unknown: unknown): Record<string, unknown> {
  return {
    v: 1,
    deviceId: "0b7c6a58-8d0e-4c8e-9a51-8f0c1f3e2a10",
    seq: 42,
    collectedAt: "2026-11-23T17:03:39.123Z",
    nonce: "n".repeat(43),
    agentVersion: "0.1.0",
    facts,
    unknown,
  };
}

const DOCUMENTS = [body(sampleFacts(), SAMPLE_UNKNOWN), body(benchFacts(7), benchUnknown())];

type Path = Array<string | number>;

/** Every value's path in a JSON document (the root included), so a mutation can land anywhere. */
function paths(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

function parentOf(doc: unknown, path: Path): Record<string | number, unknown> {
  let node = doc as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return node;
}

// Values that sit on the edges of what the schema allows: wrong types, bounds, formats.
const edgeValue = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0, 2 ** 53, 2 ** 53 - 1, Infinity, "", "x", [], {}, "linux", "plan9"),
  fc.constantFrom("2026-11-23T17:03:39Z", "2026-02-30T00:00:00Z", "2026-11-23 17:03:39Z", "2026-11-23T17:03:39+01:00", "2026-11-23T17:03:39"),
  fc.integer({ min: 0, max: 5000 }).map((n) => "a".repeat(n)),
  fc.integer({ min: 0, max: 300 }).map((n) => Array.from({ length: n }, () => "10.0.0.1")),
  fc.jsonValue({ maxDepth: 3 }),
);

type Mutation = (doc: unknown, path: Path) => void;
const mutation = fc.oneof(
  edgeValue.map((v): Mutation => (doc, path) => {
    if (path.length > 0) parentOf(doc, path)[path.at(-1)!] = v;
  }),
  fc.constant<Mutation>((doc, path) => {
    if (path.length > 0) delete parentOf(doc, path)[path.at(-1)!];
  }),
  fc.tuple(fc.string({ maxLength: 300 }), edgeValue).map(([key, v]): Mutation => (doc, path) => {
    const node = path.length === 0 ? doc : parentOf(doc, path)[path.at(-1)!];
    if (node !== null && typeof node === "object" && !Array.isArray(node)) (node as Record<string, unknown>)[key] = v;
  }),
  // What JSON.parse makes of a "__proto__" key: an own, enumerable property.
  fc.constant<Mutation>((doc, path) => {
    const node = path.length === 0 ? doc : parentOf(doc, path)[path.at(-1)!];
    if (node !== null && typeof node === "object" && !Array.isArray(node)) Object.defineProperty(node, "__proto__", { value: {}, enumerable: true, writable: true, configurable: true });
  }),
);

test("the snapshot body schema compiles", () => {
  assert.ok(check);
});

test("accepts the realistic documents zod accepts", () => {
  for (const doc of DOCUMENTS) {
    assert.equal(SnapshotBodySchema.safeParse(doc).success, true);
    assert.equal(check!(doc), true);
  }
});

test("accepts a document only when zod accepts it and returns it unchanged", () => {
  let agreedYes = 0;
  fc.assert(
    fc.property(fc.nat(DOCUMENTS.length - 1), fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 3 }), (which, changes) => {
      const doc = structuredClone(DOCUMENTS[which]);
      for (const [pick, change] of changes) {
        const all = paths(doc);
        change(doc, all[pick % all.length]!);
      }
      if (!check!(doc)) return;
      agreedYes += 1;
      const parsed = SnapshotBodySchema.safeParse(doc);
      assert.equal(parsed.success, true, `zod refuses what the check accepted: ${parsed.error?.issues[0]?.message}`);
      assert.deepEqual(parsed.data, doc);
    }),
    { numRuns: 3000 },
  );
  // The property is only worth something if some mutated documents still pass.
  assert.ok(agreedYes > 100, `only ${agreedYes} mutated documents passed`);
});

test("refuses what zod refuses, on each kind of mistake", () => {
  const cases: Array<(d: Record<string, any>) => void> = [
    (d) => (d.seq = 0),
    (d) => (d.seq = 1.5),
    (d) => (d.v = 2),
    (d) => (d.extra = 1),
    (d) => (d.collectedAt = "yesterday"),
    (d) => (d.nonce = "short"),
    (d) => delete d.unknown,
    (d) => (d.facts.os.family = "plan9"),
    (d) => (d.facts.disks[0].capacity_total_bytes = -1),
    (d) => (d.facts.disks[0].capacity_total_bytes = Infinity),
    (d) => (d.facts.hardware.cpu_count = 2.5),
    (d) => (d.facts.hardware.serial = "x".repeat(4097)),
    (d) => delete d.facts.hardware.serial,
    (d) => (d.facts.users = [{ id: "1", username: "a", name: null }]),
    (d) => (d.facts.vendor = { "facet.dev/agent": "not a record" }),
    (d) => (d.unknown = { k: 1 }),
    (d) => (d.facts.processes = "none"),
  ];
  for (const [i, mutate] of cases.entries()) {
    const doc = structuredClone(DOCUMENTS[0]) as Record<string, any>;
    mutate(doc);
    assert.equal(SnapshotBodySchema.safeParse(doc).success, false, `case ${i}: zod refuses`);
    assert.equal(check!(doc), false, `case ${i}: the check refuses`);
  }
});

test("gives up (null) on zod features it does not mirror", () => {
  assert.equal(compileCheck(z.object({ a: z.string() })), null, "a stripping object");
  assert.equal(compileCheck(z.string().email()), null);
  assert.equal(compileCheck(z.string().transform((s) => s.length)), null);
  assert.equal(compileCheck(z.number().multipleOf(2)), null);
  assert.equal(compileCheck(z.coerce.number()), null);
  assert.equal(compileCheck(z.union([z.string(), z.number()])), null);
  assert.equal(compileCheck(z.string().default("x")), null);
});
