import assert from "node:assert/strict";
import { test } from "node:test";
import { ReadThroughCache } from "./read-through.ts";

test("a read is kept and answered from memory until invalidated", async () => {
  const cache = new ReadThroughCache<{ v: number }>(10);
  let loads = 0;
  const load = async () => ({ v: ++loads });
  assert.deepEqual(await cache.read("a", load), { v: 1 });
  assert.deepEqual(await cache.read("a", load), { v: 1 });
  assert.deepEqual([cache.hits, cache.misses], [1, 1]);
  cache.invalidate("a");
  assert.deepEqual(await cache.read("a", load), { v: 2 });
});

test("a read that began before an invalidation returns its value but does not keep it", async () => {
  const cache = new ReadThroughCache<{ v: string }>(10);
  let release!: (value: { v: string }) => void;
  const slow = cache.read("a", () => new Promise((resolve) => (release = resolve)));
  cache.invalidate("a"); // a write committed while the read was under way
  release({ v: "before the write" });
  assert.deepEqual(await slow, { v: "before the write" });
  assert.deepEqual(await cache.read("a", async () => ({ v: "after the write" })), { v: "after the write" });
});

test("of two overlapping reads of one key, only the later one is kept; null and failures never are", async () => {
  const cache = new ReadThroughCache<{ v: string }>(10);
  let first!: (value: { v: string }) => void;
  const a = cache.read("k", () => new Promise((resolve) => (first = resolve)));
  const b = cache.read("k", async () => ({ v: "second" }));
  assert.deepEqual(await b, { v: "second" });
  first({ v: "first" });
  await a;
  assert.deepEqual(cache.get("k"), { v: "second" });
  assert.equal(await cache.read("missing", async () => null), null);
  await assert.rejects(cache.read("broken", () => Promise.reject(new Error("store down"))));
  assert.equal(cache.size, 1);
});

test("growing keeps the entries and their order of use; clearing drops reads under way too", async () => {
  const cache = new ReadThroughCache<{ v: string }>(2);
  await cache.read("a", async () => ({ v: "a" }));
  await cache.read("b", async () => ({ v: "b" }));
  cache.get("a"); // b is now the least recently used
  cache.grow(3);
  assert.equal(cache.capacity, 3);
  await cache.read("c", async () => ({ v: "c" }));
  await cache.read("d", async () => ({ v: "d" }));
  assert.equal(cache.get("b"), undefined, "the least recently used went first");
  assert.deepEqual(cache.get("a"), { v: "a" });
  let release!: (value: { v: string }) => void;
  const pending = cache.read("e", () => new Promise((resolve) => (release = resolve)));
  cache.clear();
  release({ v: "e" });
  await pending;
  assert.equal(cache.size, 0);
});
