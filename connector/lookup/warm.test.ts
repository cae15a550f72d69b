import { test } from "node:test";
import assert from "node:assert/strict";
import type { Device, StoredPolicyFacts, StoredSnapshot } from "../store/types.ts";
import { warmLookupCaches, WARM_PAGE, type WarmDeps } from "./warm.ts";
import { POLICY_FACTS_VERSION, policySnapshotOf, type PolicySnapshot } from "./policy-snapshot.ts";
import { SnapshotCache } from "./snapshot-cache.ts";

const device = (id: string, lastSeq: number, revokedAt: number | null = null) => ({ id, lastSeq, revokedAt }) as Device;
const snapshot = (deviceId: string, seq: number) =>
  ({ deviceId, seq, collectedAt: 1_000, receivedAt: 1_000, body: '{"facts":{"os":null},"unknown":{}}', facts: { os: null }, unknown: {} }) as unknown as StoredSnapshot;
const ONE = policySnapshotOf(snapshot("d0000", 1)).heapBytes;
const policySnapshots = (bytes: number) => new SnapshotCache<PolicySnapshot>(bytes, (held) => held.heapBytes);

/**
 * A store of `devices` (ordered by id, like the real ones) whose latest snapshot is at their
 * lastSeq, with the policy facts in `policyFacts` stored.
 */
function fakeStore(devices: Device[], fail = false, policyFacts = new Map<string, StoredPolicyFacts>()): WarmDeps["store"] & { snapshotReads: string[]; policyFactsReads: string[] } {
  const snapshotReads: string[] = [];
  const policyFactsReads: string[] = [];
  return {
    snapshotReads,
    policyFactsReads,
    async latestPolicyFacts(ids) {
      if (fail) throw new Error("The database connection is not open");
      policyFactsReads.push(...ids);
      return new Map(ids.flatMap((id) => (policyFacts.has(id) ? [[id, policyFacts.get(id)!] as const] : [])));
    },
    async listDevices({ after, limit }) {
      return devices.filter((d) => after === undefined || d.id > after).slice(0, limit);
    },
    async latestSnapshots(ids) {
      if (fail) throw new Error("The database connection is not open");
      snapshotReads.push(...ids);
      return new Map(ids.map((id) => [id, snapshot(id, devices.find((d) => d.id === id)!.lastSeq)]));
    },
  };
}

test("puts every live device's latest policy snapshot in the cache, page by page", async () => {
  const devices = Array.from({ length: WARM_PAGE * 2 + 5 }, (_, i) => device(`d${String(i).padStart(4, "0")}`, 3));
  const snapshots = policySnapshots(10_000 * ONE);
  assert.equal(await warmLookupCaches({ store: fakeStore(devices) }, snapshots), devices.length);
  for (const d of devices) assert.equal(snapshots.get(d.id, 3)?.seq, 3);
});

test("skips revoked devices and devices that never reported", async () => {
  const store = fakeStore([device("a", 2), device("b", 0), device("c", 4, 123)]);
  const snapshots = policySnapshots(10 * ONE);
  assert.equal(await warmLookupCaches({ store }, snapshots), 1);
  assert.deepEqual(store.snapshotReads, ["a"]);
});

test("stops once the cache is full", async () => {
  const devices = Array.from({ length: WARM_PAGE * 4 }, (_, i) => device(`d${String(i).padStart(4, "0")}`, 1));
  const store = fakeStore(devices);
  const snapshots = policySnapshots(WARM_PAGE * ONE);
  await warmLookupCaches({ store }, snapshots);
  assert.ok(snapshots.heldBytes <= snapshots.capacityBytes);
  assert.ok(store.snapshotReads.length <= WARM_PAGE, "nothing read after the snapshot cache filled");
});

test("never replaces a newer cached snapshot, and a store error ends warming quietly", async () => {
  const snapshots = policySnapshots(10 * ONE);
  snapshots.put(policySnapshotOf(snapshot("a", 9)));
  await warmLookupCaches({ store: fakeStore([device("a", 8)]) }, snapshots);
  assert.equal(snapshots.get("a", 9)?.seq, 9);
  assert.equal(await warmLookupCaches({ store: fakeStore([device("a", 8)], true) }, snapshots), 0);
});

test("reads the policy facts stored at ingest, and whole snapshots only of devices without usable ones", async () => {
  const devices = [device("current", 3), device("none", 3), device("older-seq", 3), device("older-version", 3)];
  const stored = (seq: number, version = POLICY_FACTS_VERSION): StoredPolicyFacts => ({ seq, collectedAt: 2_000, version, text: '{"facts":{"os":{"name":"stored"}},"unknown":{}}' });
  const policyFacts = new Map([["current", stored(3)], ["older-seq", stored(2)], ["older-version", stored(3, POLICY_FACTS_VERSION - 1)]]);
  const store = fakeStore(devices, false, policyFacts);
  const snapshots = policySnapshots(10 * ONE);
  assert.equal(await warmLookupCaches({ store }, snapshots), 4);
  assert.deepEqual(store.policyFactsReads, devices.map((d) => d.id));
  assert.deepEqual(store.snapshotReads, ["none", "older-seq", "older-version"], "the device with usable stored policy facts had no body read");
  const current = snapshots.get("current", 3)!;
  assert.deepEqual([current.collectedAt, current.facts.os], [2_000, { name: "stored" }]);
  assert.throws(() => current.facts.software, /inventory/);
  for (const id of ["older-seq", "older-version", "none"]) assert.equal(snapshots.get(id, 3)?.facts.os, null, `${id} was made from its whole snapshot`);
});
