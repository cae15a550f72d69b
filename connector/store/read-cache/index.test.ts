import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { openSqliteStore } from "../sqlite/index.ts";
import type { ComplianceWrite, Store, StoredPolicy } from "../types.ts";
import { storedDevice } from "../../../test/support/policy/fixtures.ts";
import { sampleFacts } from "../../../test/support/facts.ts";
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
  const reads = { getDevice: 0, getPolicies: 0, evaluationState: 0, listDevices: 0, findDevicesBoundTo: 0, bindingsOf: 0 };
  for (const name of Object.keys(reads) as (keyof typeof reads)[]) {
    const read = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => (reads[name]++, read(...args));
  }
  return { store, reads };
}

/** A snapshot of `deviceId` reporting `serial`, as ingest writes it. */
const reporting = (deviceId: string, seq: number, serial: string, at = seq) => ({
  snapshot: { deviceId, seq, collectedAt: at, receivedAt: at, body: "{}", signature: "", facts: sampleFacts({ hardware: { ...sampleFacts().hardware!, serial } }), unknown: {} },
  events: [],
});
const binding = (deviceId: string, username: string) => ({ deviceId, username, source: "admin" as const, boundBy: "t", boundAt: 1 });
const bindEvent = { type: "device.user_bound", at: 1, deviceId: null, data: {} };
const ids = (devices: { id: string }[]) => devices.map((d) => d.id);

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
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reads.evaluationState, 2, "read back once, right after the write");
  assert.equal((await cached.evaluationState("d2")).verdicts[0]?.evaluatedAt, 70);
  assert.equal(reads.evaluationState, 2, "the device's next check reads memory");

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

test("a device named by serial is found from memory; a serial moving to or from a device is seen by the next lookup", async (t) => {
  const { store, reads } = await sqlite(t);
  const cached = cacheStoreReads(store, { devices: 2, bus: null }).store;
  await cached.writeSnapshots([reporting("d1", 1, "SER-1")]);

  assert.deepEqual(ids(await cached.listDevices({ serial: "SER-1", limit: 2 })), ["d1"]);
  assert.deepEqual(ids(await cached.listDevices({ serial: "SER-1", limit: 2 })), ["d1"]);
  assert.equal(reads.listDevices, 1);
  assert.deepEqual(await cached.listDevices({ serial: "SER-2", limit: 2 }), []);

  // d2 now reports SER-1 as well: a clone, which the next lookup must see as two devices.
  await cached.writeSnapshots([reporting("d2", 1, "SER-1")]);
  assert.deepEqual(ids(await cached.listDevices({ serial: "SER-1", limit: 2 })), ["d1", "d2"]);

  // d1 moves to SER-2: gone from SER-1 (its row no longer matches), found under SER-2 (dropped at the write).
  await cached.writeSnapshots([reporting("d1", 2, "SER-2")]);
  assert.deepEqual(ids(await cached.listDevices({ serial: "SER-1", limit: 2 })), ["d2"]);
  assert.deepEqual(ids(await cached.listDevices({ serial: "SER-2", limit: 2 })), ["d1"]);

  await cached.revokeDevice("d2", 5);
  assert.deepEqual(await cached.listDevices({ serial: "SER-1", limit: 2 }), [], "a revoked device is never found");
  assert.deepEqual(ids(await cached.listDevices({ serial: "SER-1", limit: 2, includeRevoked: true })), ["d2"], "other queries go to the store");
});

test("an enrollment is seen by the next lookup by serial and by user", async (t) => {
  const { store } = await sqlite(t);
  const cached = cacheStoreReads(store, { devices: 2, bus: null }).store;
  assert.deepEqual(await cached.listDevices({ serial: "SER-9", limit: 2 }), []);
  assert.deepEqual(await cached.findDevicesBoundTo("carol"), []);
  await store.createEnrollToken({ id: "et-carol", label: null, username: "Carol", createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "hc");
  assert.equal((await cached.enrollDevice("hc", { ...storedDevice("d9"), serial: "SER-9" }, 2)).ok, true);
  assert.deepEqual(ids(await cached.listDevices({ serial: "SER-9", limit: 2 })), ["d9"]);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("carol")), ["d9"], "bound by the token, matched case-insensitively");
});

test("a user's devices come from memory; a binding, an unbinding and a revocation are seen by the next lookup", async (t) => {
  const { store, reads } = await sqlite(t);
  const cached = cacheStoreReads(store, { devices: 2, bus: null }).store;
  await cached.bindUser(binding("d1", "alice"), bindEvent);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("alice")), ["d1"]);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("alice")), ["d1"]);
  assert.equal(reads.findDevicesBoundTo, 1);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("ALICE")), ["d1"], "another spelling is read from the store");
  assert.equal(reads.findDevicesBoundTo, 2);

  assert.deepEqual([...(await cached.bindingsOf(["d1", "d2"])).keys()], ["d1"]);
  assert.deepEqual([...(await cached.bindingsOf(["d1", "d2"])).keys()], ["d1"]);
  assert.equal(reads.bindingsOf, 1);

  await cached.bindUser(binding("d2", "Alice"), bindEvent);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("ALICE")).sort(), ["d1", "d2"]);
  assert.deepEqual((await cached.bindingsOf(["d2"])).get("d2")?.map((b) => b.username), ["Alice"]);

  // Most recently seen first, as the store orders them, after a snapshot moves d2's last_seen_at.
  await cached.writeSnapshots([reporting("d2", 1, "SER-2", 100)]);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("ALICE")), ["d2", "d1"]);
  await cached.touchDevice("d1", 200);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("ALICE")), ["d1", "d2"]);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("ALICE")), ids(await store.findDevicesBoundTo("ALICE")));

  await cached.unbindUser("d1", "ALICE", bindEvent);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("ALICE")), ["d2"]);
  assert.equal((await cached.bindingsOf(["d1"])).has("d1"), false);
  await cached.revokeDevice("d2", 300);
  assert.deepEqual(await cached.findDevicesBoundTo("ALICE"), [], "a revoked device stays bound but is never found");
});

test("users whose names are not ASCII are looked up in the store, whose case folding may differ", async (t) => {
  const { store, reads } = await sqlite(t);
  const cached = cacheStoreReads(store, { devices: 2, bus: null }).store;
  await cached.bindUser(binding("d1", "zoë"), bindEvent);
  await cached.findDevicesBoundTo("zoë");
  await cached.findDevicesBoundTo("zoë");
  assert.equal(reads.findDevicesBoundTo, 2);
});

test("another replica's new serials and bindings drop entries; ours are announced", async (t) => {
  const { store } = await sqlite(t);
  const bus = new FakeBus();
  const cached = cacheStoreReads(store, { devices: 2, bus }).store;

  assert.deepEqual(await cached.listDevices({ serial: "SER-1", limit: 2 }), []);
  assert.deepEqual(await cached.findDevicesBoundTo("bob"), []);
  assert.equal((await cached.bindingsOf(["d1"])).size, 0);
  // Another replica's writes, straight to the database, then announced.
  await store.writeSnapshots([reporting("d1", 1, "SER-1")]);
  await store.bindUser(binding("d1", "Bob"), bindEvent);
  assert.deepEqual(await cached.listDevices({ serial: "SER-1", limit: 2 }), [], "not yet heard of");
  bus.emit("message", { to: "*", from: "there", type: INVALIDATE, devices: ["d1"], serials: ["SER-1"] });
  bus.emit("message", { to: "*", from: "there", type: INVALIDATE, users: ["bob"], bindings: ["d1"] });
  assert.deepEqual(ids(await cached.listDevices({ serial: "SER-1", limit: 2 })), ["d1"]);
  assert.deepEqual(ids(await cached.findDevicesBoundTo("bob")), ["d1"]);
  assert.equal((await cached.bindingsOf(["d1"])).size, 1);

  await cached.writeSnapshots([reporting("d2", 1, "SER-2")]);
  await cached.unbindUser("d1", "Bob", bindEvent);
  await cached.bindUser(binding("d2", "zoë"), bindEvent);
  assert.deepEqual(bus.published, [
    { to: "*", from: "here", type: INVALIDATE, devices: ["d2"] },
    { to: "*", from: "here", type: INVALIDATE, serials: ["SER-2"] },
    { to: "*", from: "here", type: INVALIDATE, users: ["bob"] },
    { to: "*", from: "here", type: INVALIDATE, bindings: ["d1"] },
    { to: "*", from: "here", type: INVALIDATE, allUsers: true },
    { to: "*", from: "here", type: INVALIDATE, bindings: ["d2"] },
  ]);
  bus.published.length = 0;
  await cached.writeSnapshots([reporting("d2", 2, "S".repeat(7000))]);
  assert.deepEqual(bus.published, [{ to: "*", from: "here", type: INVALIDATE, all: true }], "a key too long for one message drops everything");
});
