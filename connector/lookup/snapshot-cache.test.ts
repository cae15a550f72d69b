import { test } from "node:test";
import assert from "node:assert/strict";
import type { StoredSnapshot } from "../store/types.ts";
import { SnapshotCache, snapshotHeapBytes } from "./snapshot-cache.ts";

// Synthetic snapshots: only the fields the cache reads.
const snapshot = (deviceId: string, seq: number, bodyLength = 1_000) =>
  ({ deviceId, seq, collectedAt: 0, receivedAt: 0, body: "x".repeat(bodyLength) }) as unknown as StoredSnapshot;
const ONE = snapshotHeapBytes(snapshot("a", 1));

test("answers only for the exact seq the device row names", () => {
  const cache = new SnapshotCache(10 * ONE, snapshotHeapBytes);
  cache.put(snapshot("d1", 3));
  assert.equal(cache.get("d1", 3)?.seq, 3);
  assert.equal(cache.get("d1", 4), undefined, "a newer snapshot is a miss");
  assert.equal(cache.get("d2", 3), undefined);
});

test("never lets an older seq replace a newer one", () => {
  const cache = new SnapshotCache(10 * ONE, snapshotHeapBytes);
  cache.put(snapshot("d1", 5));
  cache.put(snapshot("d1", 4));
  assert.equal(cache.get("d1", 5)?.seq, 5);
  cache.put(snapshot("d1", 6));
  assert.equal(cache.get("d1", 5), undefined);
  assert.equal(cache.get("d1", 6)?.seq, 6);
});

test("holds at most its byte budget, keeping recently read entries", () => {
  const cache = new SnapshotCache(2 * ONE, snapshotHeapBytes, () => true);
  cache.put(snapshot("a", 1));
  cache.put(snapshot("b", 1));
  cache.get("a", 1);
  cache.put(snapshot("c", 1));
  assert.equal(cache.size, 2);
  assert.ok(cache.heldBytes <= cache.capacityBytes);
  assert.equal(cache.get("a", 1)?.seq, 1, "read entry got a second chance");
  assert.equal(cache.get("b", 1), undefined, "unread oldest entry was evicted");
});

test("charges an entry by its body's size, so a few large snapshots fill what many small ones would", () => {
  const cache = new SnapshotCache(20 * ONE, snapshotHeapBytes);
  for (let i = 0; i < 10; i++) cache.put(snapshot(`large${i}`, 1, 64_000));
  assert.ok(cache.heldBytes <= cache.capacityBytes, `${cache.heldBytes} held`);
  assert.equal(cache.size, 0, "none fits: each is larger than the whole budget");
  cache.put(snapshot("small", 1));
  cache.put(snapshot("medium", 1, 5_000));
  cache.put(snapshot("medium", 2, 30_000));
  assert.equal(cache.get("medium", 2)?.seq, undefined, "too large alone: not kept");
  assert.equal(cache.get("medium", 1)?.seq, 1, "the device's held entry stays");
  assert.equal(cache.get("small", 1)?.seq, 1);
});

test("once full, lets a device not held in only as often as admitWhenFull says, and always refreshes held ones", () => {
  let admit = false;
  const cache = new SnapshotCache(2 * ONE, snapshotHeapBytes, () => admit);
  cache.put(snapshot("a", 1));
  cache.put(snapshot("b", 1));
  cache.put(snapshot("c", 1));
  assert.equal(cache.get("c", 1), undefined, "not let in: the held devices stay");
  assert.equal(cache.get("a", 1)?.seq, 1);
  cache.put(snapshot("b", 2));
  assert.equal(cache.get("b", 2)?.seq, 2, "a held device's newer snapshot replaces its entry");
  admit = true;
  cache.put(snapshot("c", 1));
  assert.equal(cache.get("c", 1)?.seq, 1);
  assert.equal(cache.size, 2);
});

test("a rotation over more devices than fit keeps hitting what it holds", () => {
  const cache = new SnapshotCache(100 * ONE, snapshotHeapBytes);
  let hits = 0;
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 400; i++) {
      if (cache.get(`d${i}`, 1)) hits++;
      else cache.put(snapshot(`d${i}`, 1));
    }
  }
  // Plain LRU would hit none of these reads: each device is pushed out before its turn comes again.
  assert.ok(hits > 20 * 400 * 0.1, `${hits} hits`);
});
