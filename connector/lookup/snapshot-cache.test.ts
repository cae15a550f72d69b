import { test } from "node:test";
import assert from "node:assert/strict";
import type { StoredSnapshot } from "../store/types.ts";
import { SnapshotCache } from "./snapshot-cache.ts";

const snapshot = (deviceId: string, seq: number) => ({ deviceId, seq, collectedAt: 0, receivedAt: 0 }) as unknown as StoredSnapshot;

test("answers only for the exact seq the device row names", () => {
  const cache = new SnapshotCache(10);
  cache.put(snapshot("d1", 3));
  assert.equal(cache.get("d1", 3)?.seq, 3);
  assert.equal(cache.get("d1", 4), undefined, "a newer snapshot is a miss");
  assert.equal(cache.get("d2", 3), undefined);
});

test("never lets an older seq replace a newer one", () => {
  const cache = new SnapshotCache(10);
  cache.put(snapshot("d1", 5));
  cache.put(snapshot("d1", 4));
  assert.equal(cache.get("d1", 5)?.seq, 5);
  cache.put(snapshot("d1", 6));
  assert.equal(cache.get("d1", 5), undefined);
  assert.equal(cache.get("d1", 6)?.seq, 6);
});

test("holds at most its entry count, keeping recently read entries", () => {
  const cache = new SnapshotCache(2);
  cache.put(snapshot("a", 1));
  cache.put(snapshot("b", 1));
  cache.get("a", 1);
  cache.put(snapshot("c", 1));
  assert.equal(cache.size, 2);
  assert.equal(cache.get("a", 1)?.seq, 1, "read entry got a second chance");
  assert.equal(cache.get("b", 1), undefined, "unread oldest entry was evicted");
});
