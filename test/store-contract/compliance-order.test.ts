/**
 * Compliance writes ordered by evaluation time. An evaluation reads the stored state, evaluates,
 * then writes; a slow one (or another replica's) can commit after a newer evaluation. Its record
 * must not replace the newer one, and a failure it saw before a newer pass must not set an old
 * first_failed_at (the device would be judged on a grace window that had already ended).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";
import { device, enrollToken } from "../support/store/fixtures.ts";
import type { ComplianceWrite, StoredPolicy } from "../../connector/store/types.ts";

const POLICY: StoredPolicy = { id: "p1", version: 1, name: "p1", platform: "MACOS", body: { firewallEnabled: true }, createdAt: 1, updatedAt: 1 };

/** A failing evaluation at `at` that first saw the failure at `failedSince`, or a pass at `at`. */
function evaluation(at: number, outcome: { failedSince: number; lastPassed: number | null } | "pass"): ComplianceWrite {
  const passing = outcome === "pass";
  return {
    record: { deviceId: "d1", policyId: "p1", policyVersion: 1, result: passing ? "PASS" : "FAIL", passing, evaluatedAt: at, detail: { at } },
    checks: [
      passing
        ? { policyId: "p1", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: at }
        : { policyId: "p1", check: "firewallEnabled", firstFailedAt: outcome.failedSince, lastPassedAt: outcome.lastPassed },
    ],
    changedEvent: { type: "device.compliance.changed", at, deviceId: "d1", data: { at } },
  };
}

await forEachBackend("store contract: compliance ordered by evaluation time", (ctx) => {
  async function setup(): Promise<void> {
    await ctx.store.createEnrollToken(enrollToken("t"), "h");
    assert.equal((await ctx.store.enrollDevice("h", device("d1"), 1000)).ok, true);
    await ctx.store.createPolicy(POLICY, { type: "device.assurance.policy.add", at: 1, deviceId: null, data: {} });
  }
  const record = async () => (await ctx.store.getCompliance("d1"))[0];
  const check = async () => (await ctx.store.getCheckStates("d1", ["p1"]))[0];
  const changeEvents = async () =>
    (await ctx.store.listEvents({ types: ["device.compliance.changed"], limit: 100 })).map((e) => (e.data as { at: number }).at);

  test("a stale failing evaluation after a newer pass changes neither the record nor the grace start", async () => {
    await setup();
    await ctx.store.recordCompliance([evaluation(1000, "pass")]);
    // Evaluation B read the state at 1500 (passing), saw the check fail, and is slow to write.
    // Meanwhile evaluation C at 3000 sees a pass and commits.
    await ctx.store.recordCompliance([evaluation(3000, "pass")]);
    const changed = await ctx.store.recordCompliance([evaluation(2000, { failedSince: 2000, lastPassed: 1000 })]);
    assert.deepEqual(changed, [false], "the stale write reports no change");
    const r = await record();
    assert.equal(r?.evaluatedAt, 3000);
    assert.equal(r?.result, "PASS");
    assert.equal(r?.passing, true);
    assert.deepEqual(await check(), { policyId: "p1", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: 3000 });
    assert.deepEqual(await changeEvents(), [1000], "no change event for the stale failure");
    // A genuinely new failure still starts grace from its own time.
    assert.deepEqual(await ctx.store.recordCompliance([evaluation(4000, { failedSince: 4000, lastPassed: 3000 })]), [true]);
    assert.deepEqual(await check(), { policyId: "p1", check: "firewallEnabled", firstFailedAt: 4000, lastPassedAt: 3000 });
    assert.equal((await record())?.result, "FAIL");
  });

  test("a stale failure does not move a newer failure streak's start back past a pass", async () => {
    await setup();
    // fail from 1000, pass at 2000, fail again from 3000; then a write from the first streak arrives.
    await ctx.store.recordCompliance([evaluation(1000, { failedSince: 1000, lastPassed: null })]);
    await ctx.store.recordCompliance([evaluation(2000, "pass")]);
    await ctx.store.recordCompliance([evaluation(3000, { failedSince: 3000, lastPassed: 2000 })]);
    await ctx.store.recordCompliance([evaluation(1500, { failedSince: 1000, lastPassed: null })]);
    assert.deepEqual(await check(), { policyId: "p1", check: "firewallEnabled", firstFailedAt: 3000, lastPassedAt: 2000 });
    assert.equal((await record())?.evaluatedAt, 3000);
  });

  test("a stale pass after a newer failure neither clears the failure nor flips the record", async () => {
    await setup();
    await ctx.store.recordCompliance([evaluation(1000, "pass")]);
    await ctx.store.recordCompliance([evaluation(3000, { failedSince: 3000, lastPassed: 1000 })]);
    assert.deepEqual(await ctx.store.recordCompliance([evaluation(2000, "pass")]), [false]);
    assert.deepEqual(await check(), { policyId: "p1", check: "firewallEnabled", firstFailedAt: 3000, lastPassedAt: 2000 });
    const r = await record();
    assert.equal(r?.result, "FAIL");
    assert.equal(r?.evaluatedAt, 3000);
    assert.deepEqual(r?.detail, { at: 3000 });
  });

  test("an evaluation at the same time as the stored one still writes", async () => {
    await setup();
    await ctx.store.recordCompliance([evaluation(1000, "pass")]);
    assert.deepEqual(await ctx.store.recordCompliance([evaluation(1000, { failedSince: 1000, lastPassed: null })]), [true]);
    assert.equal((await record())?.result, "FAIL");
  });
});
