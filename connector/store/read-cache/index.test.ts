import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { openSqliteStore } from "../sqlite/index.ts";
import type { ComplianceWrite, Store, StoredPolicy } from "../types.ts";
import { storedDevice } from "../../../test/support/policy/fixtures.ts";
import { cacheStoreReads, INVALIDATE, type CacheBus, type CacheBusMessage } from "./index.ts";

/** A real SQLite file with two enrolled devices and one policy, and a count of the reads that reached it. */
async function sqlite(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "facet-read-cache-"));
  const store = openSqliteStore(join(dir, "facet.db"));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.createEnrollToken({ id: "et", label: null, createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h");
  for (const id of ["d1", "d2"]) assert.equal((await store.enrollDevice("h", storedDevice(id), 1)).ok, true);
  await store.createPolicy(policy(1), { type: "policy.created", at: 1, deviceId: null, data: {} });
  const reads = { getDevice: 0, getPolicies: 0, evaluationState: 0 };
  for (const name of Object.keys(reads) as (keyof typeof reads)[]) {
    const read = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => (reads[name]++, read(...args));
  }
  return { store, reads };
}

const policy = (version: number): StoredPolicy => ({ id: "p1", version, name: "p", platform: "LINUX", body: { name: "p", platform: "LINUX" }, createdAt: 1, updatedAt: version });
const verdict = (deviceId: string, at: number): ComplianceWrite => ({
  record: { deviceId, policyId: "p1", policyVersion: 1, result: "FAIL", passing: false, evaluatedAt: at, detail: {} },
  checks: [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: at, lastPassedAt: null }],
  changedEvent: { type: "device.compliance.changed", at, deviceId, data: {} },
});

/** Synthetic: the cluster bus as the cache sees it, delivering what the test sends. */
class FakeBus extends EventEmitter implements CacheBus {
  readonly replicaId = "here";
  isListening = true;
  published: CacheBusMessage[] = [];
  async sync(): Promise<void> {
    if (!this.isListening) throw new Error("not listening");
  }
  async publish(message: CacheBusMessage): Promise<void> {
    this.published.push(message);
  }
}

test("reads are served from memory; each write through the cache is seen by the next read", async (t) => {
  const { store, reads } = await sqlite(t);
  const cached = cacheStoreReads(store, { devices: 2, bus: null }).store;

  assert.equal((await cached.getDevice("d1"))?.revokedAt, null);
  assert.equal((await cached.getDevice("d1"))?.revokedAt, null);
  assert.equal(reads.getDevice, 1);
  assert.ok(Object.isFrozen(await cached.getDevice("d1")), "a shared row cannot be changed by one caller");
  await cached.revokeDevice("d1", 50);
  assert.equal((await cached.getDevice("d1"))?.revokedAt, 50);

  await cached.getDevice("d2");
  const results = await cached.writeSnapshots([{ snapshot: { deviceId: "d2", seq: 4, collectedAt: 60, receivedAt: 60, body: "{}", signature: "", facts: {} as never, unknown: {} }, events: [] }]);
  assert.deepEqual(results, ["accepted"]);
  assert.equal((await cached.getDevice("d2"))?.lastSeq, 4);

  assert.deepEqual(await cached.evaluationState("d2"), { checks: [], verdicts: [] });
  await cached.evaluationState("d2");
  assert.equal(reads.evaluationState, 1);
  await cached.recordCompliance([verdict("d2", 70)]);
  assert.equal((await cached.evaluationState("d2")).verdicts[0]?.evaluatedAt, 70);

  assert.equal((await cached.getPolicies(["p1", "nope", "p1"])).length, 2, "in the order and multiplicity asked, as the store answers");
  await cached.getPolicies(["p1"]);
  assert.equal(reads.getPolicies, 1);
  await cached.replacePolicy({ id: "p1", name: "p", platform: "LINUX", body: { name: "p", platform: "LINUX" }, at: 80 }, () => ({ type: "policy.replaced", at: 80, deviceId: null, data: {} }));
  assert.equal((await cached.getPolicies(["p1"]))[0]?.version, 2);
  await cached.deletePolicy("p1", () => ({ type: "policy.deleted", at: 90, deviceId: null, data: {} }));
  assert.deepEqual(await cached.getPolicies(["p1"]), []);
  assert.deepEqual(await cached.evaluationState("d2"), { checks: [], verdicts: [] }, "deleting a policy deletes its state everywhere");
});

test("another replica's announced writes drop entries; ours are announced; without the bus listening nothing is kept", async (t) => {
  const { store, reads } = await sqlite(t);
  const bus = new FakeBus();
  const cached = cacheStoreReads(store, { devices: 2, bus }).store;

  await cached.getDevice("d1");
  await store.revokeDevice("d1", 5); // another replica's write, straight to the database
  assert.equal((await cached.getDevice("d1"))?.revokedAt, null, "not yet heard of");
  bus.emit("message", { to: "*", from: "here", type: INVALIDATE, devices: ["d1"] });
  assert.equal((await cached.getDevice("d1"))?.revokedAt, null, "our own echo is ignored");
  bus.emit("message", { to: "*", from: "there", type: INVALIDATE, devices: ["d1"] });
  assert.equal((await cached.getDevice("d1"))?.revokedAt, 5);

  await cached.recordCompliance([verdict("d2", 10)]);
  assert.deepEqual(bus.published, [{ to: "*", from: "here", type: INVALIDATE, evaluations: ["d2"] }]);

  bus.isListening = false;
  const before = reads.getDevice;
  await cached.getDevice("d2");
  await cached.getDevice("d2");
  assert.equal(reads.getDevice, before + 2, "every read goes to the store while messages may be missed");
  bus.isListening = true;
  await cached.getDevice("d2");
  await cached.getDevice("d2");
  assert.equal(reads.getDevice, before + 3);
  bus.emit("resync");
  await cached.getDevice("d2");
  assert.equal(reads.getDevice, before + 4, "after a reconnection everything is read again");
});

test("a PostgreSQL store without a bus is not cached: other replicas' writes could not be heard", async (t) => {
  const { store, reads } = await sqlite(t);
  const postgresLike = new Proxy(store, { get: (target, p) => (p === "kind" ? "postgres" : Reflect.get(target, p)) }) as Store;
  const cached = cacheStoreReads(postgresLike, { devices: 2, bus: null }).store;
  await cached.getDevice("d1");
  await cached.getDevice("d1");
  assert.equal(reads.getDevice, 2);
});

test("the per-device caches are sized from the fleet and grow as devices enroll", async (t) => {
  const { store } = await sqlite(t);
  const grown: number[] = [];
  const reads = cacheStoreReads(store, { devices: 2000, bus: null, onGrow: (capacity) => grown.push(capacity) });
  assert.equal(reads.capacity, 2500);
  await store.createEnrollToken({ id: "et2", label: null, createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h2");
  for (let i = 0; i < 5; i++) assert.equal((await reads.store.enrollDevice("h2", storedDevice(`n${i}`), 1)).ok, true);
  assert.deepEqual(grown, [3750], "past 80 % of the bound it grows by half");
  assert.equal(reads.capacity, 3750);
});
