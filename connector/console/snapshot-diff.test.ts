import { test } from "node:test";
import assert from "node:assert/strict";
import { diffFacts } from "./snapshot-diff.ts";

test("reports changed, added and removed leaves by path", () => {
  const { changes } = diffFacts({ os: { version: "13", arch: "x64" }, network: null }, { os: { version: "14", arch: "x64" }, network: { hostname: "h" } });
  assert.deepEqual(changes, [
    { path: "network", kind: "changed", before: null, after: { hostname: "h" } },
    { path: "os.version", kind: "changed", before: "13", after: "14" },
  ]);
  assert.deepEqual(diffFacts({ a: 1 }, { b: 2 }).changes, [
    { path: "a", kind: "removed", before: 1 },
    { path: "b", kind: "added", after: 2 },
  ]);
});

test("matches list items by a natural key, so one installed package is one added row", () => {
  const before = { software: [{ name: "b", version: "1" }, { name: "c", version: "1" }] };
  const after = { software: [{ name: "a", version: "1" }, { name: "b", version: "2" }, { name: "c", version: "1" }] };
  const { changes } = diffFacts(before, after);
  assert.deepEqual(changes, [
    { path: "software[name=a]", kind: "added", after: { name: "a", version: "1" } },
    { path: "software[name=b].version", kind: "changed", before: "1", after: "2" },
  ]);
});

test("falls back to positions when items share a key value", () => {
  const { changes } = diffFacts({ disks: [{ name: "x", size: 1 }, { name: "x", size: 2 }] }, { disks: [{ name: "x", size: 1 }, { name: "x", size: 3 }] });
  assert.deepEqual(changes, [{ path: "disks[1].size", kind: "changed", before: 2, after: 3 }]);
});

test("identical documents have no changes, and the list is capped with a count of the rest", () => {
  assert.deepEqual(diffFacts({ a: [1, 2] }, { a: [1, 2] }).changes, []);
  const many = diffFacts({}, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i])), 10);
  assert.equal(many.changes.length, 10);
  assert.equal(many.more, 20);
});
