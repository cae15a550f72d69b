import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openStore } from "../store/open.ts";
import type { StoredSnapshot } from "../store/types.ts";
import { evaluateDevice } from "./compliance.ts";
import { CATALOG_NOW, linuxFacts, policyOf, storedDevice as device } from "./testing/fixtures.ts";

test("evaluations that write in the same turn share one durable transaction, and each is stored", async () => {
  const dir = mkdtempSync(join(tmpdir(), "facet-compliance-"));
  const store = await openStore(join(dir, "facet.db"));
  try {
    await store.createEnrollToken({ id: "et1", label: null, createdAt: CATALOG_NOW, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h1");
    const devices = ["dev_a", "dev_b", "dev_c"].map(device);
    for (const d of devices) assert.equal((await store.enrollDevice("h1", d, CATALOG_NOW)).ok, true);
    const calls: number[] = [];
    const record = store.recordCompliance.bind(store);
    store.recordCompliance = (writes) => {
      calls.push(writes.length);
      return record(writes);
    };
    const policy = policyOf({ name: "linux", platform: "LINUX", firewallEnabled: true });
    await store.createPolicy({ id: policy.id, version: 1, name: policy.name, platform: "LINUX", body: {}, createdAt: CATALOG_NOW, updatedAt: CATALOG_NOW }, { type: "policy.created", at: CATALOG_NOW, deviceId: null, data: {} });
    const snapshot = (deviceId: string): StoredSnapshot => ({ deviceId, seq: 1, collectedAt: CATALOG_NOW - 60_000, receivedAt: CATALOG_NOW, body: "{}", signature: "", facts: linuxFacts(), unknown: {} });
    const deps = { store, now: () => CATALOG_NOW };

    const results = await Promise.all(devices.map((d) => evaluateDevice(deps, d, snapshot(d.id), [policy])));

    assert.deepEqual(calls, [3], "one transaction held all three first evaluations");
    assert.ok(results.every((r) => r[0]!.applicable));
    for (const d of devices) assert.equal((await store.getCompliance(d.id)).length, 1, `${d.id}'s record is stored`);
    await evaluateDevice(deps, devices[0]!, snapshot("dev_a"), [policy]);
    assert.deepEqual(calls, [3], "an unchanged result writes nothing");
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
