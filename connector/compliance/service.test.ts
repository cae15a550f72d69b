import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { openStore } from "../store/open.ts";
import type { ComplianceWrite, StoredSnapshot } from "../store/types.ts";
import { cacheStoreReads } from "../store/read-cache/index.ts";
import { ComplianceService } from "./service.ts";
import { CATALOG_NOW, linuxFacts, policyOf, storedDevice as device } from "../../test/support/policy/fixtures.ts";

/** A SQLite file with three enrolled Linux devices and one stored policy, removed after the test. */
async function threeLinuxDevices(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "facet-compliance-"));
  const store = await openStore(join(dir, "facet.db"));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.createEnrollToken({ id: "et1", label: null, createdAt: CATALOG_NOW, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h1");
  const devices = ["dev_a", "dev_b", "dev_c"].map(device);
  for (const d of devices) assert.equal((await store.enrollDevice("h1", d, CATALOG_NOW)).ok, true);
  const policy = policyOf({ name: "linux", platform: "LINUX", firewallEnabled: true });
  await store.createPolicy({ id: policy.id, version: 1, name: policy.name, platform: "LINUX", body: {}, createdAt: CATALOG_NOW, updatedAt: CATALOG_NOW }, { type: "policy.created", at: CATALOG_NOW, deviceId: null, data: {} });
  const snapshot = (deviceId: string): StoredSnapshot => ({ deviceId, seq: 1, collectedAt: CATALOG_NOW - 60_000, receivedAt: CATALOG_NOW, body: "{}", signature: "", facts: linuxFacts(), unknown: {} });
  return { store, devices, policy, snapshot, compliance: new ComplianceService({ store, now: () => CATALOG_NOW }) };
}

test("evaluations that write in the same turn share one durable transaction, and each is stored", async (t) => {
  const { store, devices, policy, snapshot, compliance } = await threeLinuxDevices(t);
  const calls: number[] = [];
  const record = store.recordCompliance.bind(store);
  store.recordCompliance = (writes) => {
    calls.push(writes.length);
    return record(writes);
  };

  const results = await Promise.all(devices.map((d) => compliance.evaluateDevice(d, snapshot(d.id), [policy])));

  assert.deepEqual(calls, [3], "one transaction held all three first evaluations");
  assert.ok(results.every((r) => r[0]!.applicable));
  for (const d of devices) assert.equal((await store.getCompliance(d.id)).length, 1, `${d.id}'s record is stored`);
  await compliance.evaluateDevice(devices[0]!, snapshot("dev_a"), [policy]);
  assert.deepEqual(calls, [3], "an unchanged result writes nothing");
});

test("while one compliance transaction is in flight, later writes wait and then share the next one, in order", async (t) => {
  const { store, devices, policy, snapshot, compliance } = await threeLinuxDevices(t);
  const calls: string[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const record = store.recordCompliance.bind(store);
  store.recordCompliance = async (writes: ComplianceWrite[]) => {
    calls.push(writes.map((w) => w.record.deviceId));
    if (calls.length === 1) await gate; // the first commit is slow
    return record(writes);
  };

  const first = compliance.evaluateDevice(devices[0]!, snapshot("dev_a"), [policy]);
  while (calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
  // Two more evaluations in later turns, while the first transaction has not committed.
  const second = compliance.evaluateDevice(devices[1]!, snapshot("dev_b"), [policy]);
  await new Promise((resolve) => setImmediate(resolve));
  const third = compliance.evaluateDevice(devices[2]!, snapshot("dev_c"), [policy]);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, [["dev_a"]], "nothing else starts while a transaction is in flight");

  release();
  await Promise.all([first, second, third]);
  assert.deepEqual(calls, [["dev_a"], ["dev_b", "dev_c"]]);
  for (const d of devices) assert.equal((await store.getCompliance(d.id)).length, 1, `${d.id}'s record is stored`);
});

test("through the read cache, each evaluation judges the state the previous one stored: grace counts from the first failure", async (t) => {
  const { store, devices, snapshot } = await threeLinuxDevices(t);
  const cached = cacheStoreReads(store, { devices: 3, bus: null }).store;
  let now = CATALOG_NOW;
  const compliance = new ComplianceService({ store: cached, now: () => now });
  const policy = policyOf({ name: "linux", platform: "LINUX", firewallEnabled: true, gracePeriod: { type: "BY_DURATION", expiry: "PT1H" } });
  const off = { ...snapshot("dev_a"), facts: linuxFacts({ network: { firewall_enabled: false } }) };
  const firewall = async () => (await compliance.evaluateDevice(devices[0]!, { ...off, collectedAt: now - 1000 }, [policy]))[0]!.checks.find((c) => c.check === "firewallEnabled")!;

  const first = await firewall();
  assert.deepEqual([first.status, first.firstFailedAt, first.graceUntil], ["FAIL", new Date(CATALOG_NOW).toISOString(), new Date(CATALOG_NOW + 3_600_000).toISOString()]);
  now += 30 * 60_000;
  assert.equal((await firewall()).firstFailedAt, new Date(CATALOG_NOW).toISOString(), "the stored first failure, not this one");
  now += 31 * 60_000;
  assert.equal((await firewall()).graceUntil, null, "grace over an hour after the first failure");
  assert.equal((await compliance.evaluateDevice(devices[0]!, { ...snapshot("dev_a"), collectedAt: now - 1000 }, [policy]))[0]!.result, "PASS");
  now += 60_000;
  const again = await firewall();
  assert.deepEqual([again.firstFailedAt, again.graceUntil !== null], [new Date(now).toISOString(), true], "a new failure after a pass starts a new grace period");
});
