import { test } from "node:test";
import assert from "node:assert/strict";
import type { Device, StoredSnapshot } from "../store/types.ts";
import { LatestFacts, type LatestFactsOptions } from "./index.ts";

// Synthetic devices and snapshots: only the fields the lookup reads.
const device = (id: string, lastSeq: number) => ({ id, lastSeq, revokedAt: null }) as Device;
const snapshot = (deviceId: string, seq: number) =>
  ({ deviceId, seq, collectedAt: 1_000, receivedAt: 1_000, facts: { os: null }, unknown: {} }) as unknown as StoredSnapshot;

function countingStore(devices: Device[]): LatestFactsOptions["store"] & { reads: string[] } {
  const reads: string[] = [];
  const latest = (id: string) => snapshot(id, devices.find((d) => d.id === id)!.lastSeq);
  return {
    reads,
    async listDevices({ after, limit }) {
      return devices.filter((d) => after === undefined || d.id > after).slice(0, limit);
    },
    async latestSnapshot(id) {
      reads.push(id);
      return latest(id);
    },
    async latestSnapshots(ids) {
      reads.push(...ids);
      return new Map(ids.map((id) => [id, latest(id)]));
    },
  };
}

test("a snapshot the agent channel accepted is read back without a store query", async () => {
  const store = countingStore([device("a", 2)]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000 });
  lookup.accepted(snapshot("a", 2));
  assert.equal((await lookup.latestSnapshot(device("a", 2)))?.seq, 2);
  assert.deepEqual(store.reads, []);
  assert.deepEqual(lookup.stats().snapshots, { hits: 1, misses: 0, entries: 1 });
});

test("readers of many devices can leave the cache as it was", async () => {
  const store = countingStore([device("a", 1), device("b", 1)]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000 });
  await lookup.latestSnapshots([device("a", 1), device("b", 1)], { remember: false });
  assert.equal(lookup.stats().snapshots.entries, 0);
  await lookup.latestSnapshots([device("a", 1)]);
  assert.equal(lookup.cachedSnapshot(device("a", 1))?.seq, 1);
  assert.deepEqual(store.reads, ["a", "b", "a"]);
});

test("facts JSON is serialized once per (device, seq) and counted per view", async () => {
  const store = countingStore([device("a", 3)]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000 });
  const first = await lookup.latestFactsJson(device("a", 3));
  assert.equal(await lookup.latestFactsJson(device("a", 3)), first);
  assert.equal(lookup.factsJsonOf(snapshot("a", 3)), first);
  assert.deepEqual(store.reads, ["a"], "the second and third reads were hits");
  const { authentik, facet } = lookup.stats().facts;
  assert.equal(authentik.hits, 2);
  assert.equal(authentik.misses, 1);
  assert.ok(authentik.bytes > first!.length);
  assert.equal(facet.entries, 0);
});

test("warming fills the caches the routes read", async () => {
  const store = countingStore([device("a", 1), device("b", 4)]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000 });
  assert.equal(await lookup.warm(), 2);
  assert.equal(lookup.cachedSnapshot(device("b", 4))?.seq, 4);
  assert.equal(lookup.stats().facts.authentik.entries, 2);
});
