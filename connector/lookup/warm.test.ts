import { test } from "node:test";
import assert from "node:assert/strict";
import type { Device, StoredPolicyFacts, StoredSnapshot } from "../store/types.ts";
import { AUTHENTIK_VIEW_VERSION } from "./rendered-view.ts";
import { warmLookupCaches, WARM_PAGE, type WarmDeps } from "./warm.ts";
import { FactsJsonCache } from "./facts-cache.ts";
import { POLICY_FACTS_VERSION, policySnapshotOf, type PolicySnapshot } from "./policy-snapshot.ts";
import { SnapshotCache } from "./snapshot-cache.ts";
import { deflateOpenObject } from "../store/deflated-view.ts";

const device = (id: string, lastSeq: number, revokedAt: number | null = null) => ({ id, lastSeq, revokedAt }) as Device;
const snapshot = (deviceId: string, seq: number) =>
  ({ deviceId, seq, collectedAt: 1_000, receivedAt: 1_000, body: '{"facts":{"os":null},"unknown":{}}', facts: { os: null }, unknown: {} }) as unknown as StoredSnapshot;
const ONE = policySnapshotOf(snapshot("d0000", 1)).heapBytes;
const policySnapshots = (bytes: number) => new SnapshotCache<PolicySnapshot>(bytes, (held) => held.heapBytes);

/**
 * A store of `devices` (ordered by id, like the real ones) whose latest snapshot is at their
 * lastSeq, with the policy facts in `policyFacts` stored.
 */
function fakeStore(devices: Device[], fail = false, policyFacts = new Map<string, StoredPolicyFacts>()): WarmDeps["store"] & { snapshotReads: string[]; viewReads: string[]; policyFactsReads: string[] } {
  const snapshotReads: string[] = [];
  const viewReads: string[] = [];
  const policyFactsReads: string[] = [];
  return {
    snapshotReads,
    viewReads,
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
    // Devices whose id ends in "x" have no view stored for their latest snapshot.
    async latestViews(ids) {
      viewReads.push(...ids);
      return new Map(
        ids.map((id) => {
          const seq = devices.find((d) => d.id === id)!.lastSeq;
          return [id, { seq: id.endsWith("x") ? seq - 1 : seq, collectedAt: 1_000, version: AUTHENTIK_VIEW_VERSION, ...deflateOpenObject('{"data":{},"unknown":{}}') }];
        }),
      );
    },
  };
}

test("puts every live device's latest snapshot in both caches, page by page", async () => {
  const devices = Array.from({ length: WARM_PAGE * 2 + 5 }, (_, i) => device(`d${String(i).padStart(4, "0")}`, 3));
  const facts = new FactsJsonCache(32 * 1024 * 1024);
  const snapshots = policySnapshots(10_000 * ONE);
  assert.equal(await warmLookupCaches({ store: fakeStore(devices), factsTtlMs: 60_000 }, facts, snapshots), devices.length);
  for (const d of devices) {
    assert.equal(snapshots.get(d.id, 3)?.seq, 3);
    assert.ok(facts.get(d.id, 3)?.startsWith('{"data":'));
  }
});

test("keeps only the views rendered at ingest for the snapshot it read, rendering none itself", async () => {
  const facts = new FactsJsonCache(1 << 20);
  const snapshots = policySnapshots(10 * ONE);
  assert.equal(await warmLookupCaches({ store: fakeStore([device("a", 2), device("bx", 2)]), factsTtlMs: 60_000 }, facts, snapshots), 2);
  assert.ok(facts.get("a", 2)?.startsWith('{"data":{},"unknown":{},"created":'));
  assert.equal(facts.get("bx", 2), undefined);
  assert.equal(snapshots.get("bx", 2)?.seq, 2);
});

test("skips revoked devices and devices that never reported", async () => {
  const store = fakeStore([device("a", 2), device("b", 0), device("c", 4, 123)]);
  const snapshots = policySnapshots(10 * ONE);
  assert.equal(await warmLookupCaches({ store, factsTtlMs: 60_000 }, new FactsJsonCache(1 << 20), snapshots), 1);
  assert.deepEqual(store.snapshotReads, ["a"]);
});

test("stops once a cache is full", async () => {
  const devices = Array.from({ length: WARM_PAGE * 4 }, (_, i) => device(`d${String(i).padStart(4, "0")}`, 1));
  const store = fakeStore(devices);
  const snapshots = policySnapshots(WARM_PAGE * ONE);
  await warmLookupCaches({ store, factsTtlMs: 60_000 }, new FactsJsonCache(32 * 1024 * 1024), snapshots);
  assert.ok(snapshots.heldBytes <= snapshots.capacityBytes);
  assert.ok(store.snapshotReads.length <= WARM_PAGE, "nothing read after the snapshot cache filled");
});

test("never replaces a newer cached snapshot, and a store error ends warming quietly", async () => {
  const snapshots = policySnapshots(10 * ONE);
  snapshots.put(policySnapshotOf(snapshot("a", 9)));
  await warmLookupCaches({ store: fakeStore([device("a", 8)]), factsTtlMs: 60_000 }, new FactsJsonCache(1 << 20), snapshots);
  assert.equal(snapshots.get("a", 9)?.seq, 9);
  assert.equal(await warmLookupCaches({ store: fakeStore([device("a", 8)], true), factsTtlMs: 60_000 }, new FactsJsonCache(1 << 20), snapshots), 0);
});

test("policy snapshots go on filling once the serialized facts are full, without reading views", async () => {
  const store = fakeStore([device("a", 1), device("b", 1), device("c", 1)]);
  const snapshots = policySnapshots(10 * ONE);
  const facts = new FactsJsonCache(300);
  facts.keep("zz", 1, "x".repeat(200));
  assert.equal(await warmLookupCaches({ store, factsTtlMs: 60_000 }, facts, snapshots), 3);
  assert.equal(snapshots.size, 3);
  assert.deepEqual(store.viewReads, []);
});

test("reads the policy facts stored at ingest, and whole snapshots only of devices without usable ones", async () => {
  const devices = [device("current", 3), device("none", 3), device("older-seq", 3), device("older-version", 3)];
  const stored = (seq: number, version = POLICY_FACTS_VERSION): StoredPolicyFacts => ({ seq, collectedAt: 2_000, version, text: '{"facts":{"os":{"name":"stored"}},"unknown":{}}' });
  const policyFacts = new Map([["current", stored(3)], ["older-seq", stored(2)], ["older-version", stored(3, POLICY_FACTS_VERSION - 1)]]);
  const store = fakeStore(devices, false, policyFacts);
  const facts = new FactsJsonCache(1 << 20);
  const snapshots = policySnapshots(10 * ONE);
  assert.equal(await warmLookupCaches({ store, factsTtlMs: 60_000 }, facts, snapshots), 4);
  assert.deepEqual(store.policyFactsReads, devices.map((d) => d.id));
  assert.deepEqual(store.snapshotReads, ["none", "older-seq", "older-version"], "the device with usable stored policy facts had no body read");
  const current = snapshots.get("current", 3)!;
  assert.deepEqual([current.collectedAt, current.facts.os], [2_000, { name: "stored" }]);
  assert.throws(() => current.facts.software, /inventory/);
  for (const id of ["older-seq", "older-version", "none"]) assert.equal(snapshots.get(id, 3)?.facts.os, null, `${id} was made from its whole snapshot`);
  // The view stored for the latest seq is kept whichever way the policy snapshot came.
  assert.ok(facts.get("current", 3)?.startsWith('{"data":'));
  assert.ok(facts.get("none", 3)?.startsWith('{"data":'));
});
