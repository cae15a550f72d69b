/**
 * Grace bookkeeping when two connectors (replicas on PostgreSQL, processes on one SQLite file)
 * evaluate the same device at once. Each reads the check state before its write transaction, so
 * each may believe it saw the first failure; the store must keep the earliest, or a device's grace
 * window restarts whenever two evaluations race.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";
import { device, enrollToken } from "../support/store/fixtures.ts";
import type { ComplianceCheckState, ComplianceWrite, Store, StoredPolicy } from "../../connector/store/types.ts";

const POLICY: StoredPolicy = { id: "p1", version: 1, name: "p1", platform: "MACOS", body: { firewallEnabled: true }, createdAt: 1, updatedAt: 1 };

function evaluation(at: number, state: Omit<ComplianceCheckState, "policyId" | "check">): ComplianceWrite {
  const passing = state.firstFailedAt === null;
  return {
    record: { deviceId: "d1", policyId: "p1", policyVersion: 1, result: passing ? "PASS" : "GRACE", passing: true, evaluatedAt: at, detail: {} },
    checks: [{ policyId: "p1", check: "firewallEnabled", ...state }],
    changedEvent: { type: "device.compliance.changed", at, deviceId: "d1", data: {} },
  };
}

await forEachBackend("store contract: compliance under concurrent evaluations", (ctx) => {
  async function twoHandles(): Promise<[Store, Store]> {
    await ctx.store.createEnrollToken(enrollToken("t"), "h");
    assert.equal((await ctx.store.enrollDevice("h", device("d1"), 1000)).ok, true);
    await ctx.store.createPolicy(POLICY, { type: "device.assurance.policy.add", at: 1, deviceId: null, data: {} });
    return [ctx.store, await ctx.reopen()];
  }
  const state = async (store: Store) => (await store.getCheckStates("d1", ["p1"]))[0];

  test("keeps the earliest first failure whichever replica writes last", async () => {
    const [a, b] = await twoHandles();
    // Both read "no failure yet"; A saw the failure at 1000, B at 1500.
    await a.recordCompliance([evaluation(1000, { firstFailedAt: 1000, lastPassedAt: null })]);
    await b.recordCompliance([evaluation(1500, { firstFailedAt: 1500, lastPassedAt: null })]);
    assert.equal((await state(a))?.firstFailedAt, 1000, "B's later write does not restart grace");
    // The other order: a late write carrying an earlier failure moves the start back.
    await b.recordCompliance([evaluation(1600, { firstFailedAt: 900, lastPassedAt: null })]);
    assert.equal((await state(b))?.firstFailedAt, 900);
  });

  test("racing writes from two handles end with the earliest first failure", async () => {
    const [a, b] = await twoHandles();
    for (let round = 0; round < 5; round++) {
      const t = 10_000 * (round + 1);
      // Reset: the check passed, then both replicas see it fail again at once.
      await a.recordCompliance([evaluation(t, { firstFailedAt: null, lastPassedAt: t })]);
      await Promise.all([
        a.recordCompliance([evaluation(t + 10, { firstFailedAt: t + 10, lastPassedAt: t })]),
        b.recordCompliance([evaluation(t + 20, { firstFailedAt: t + 20, lastPassedAt: t })]),
      ]);
      assert.deepEqual(await state(ctx.store), { policyId: "p1", check: "firewallEnabled", firstFailedAt: t + 10, lastPassedAt: t }, `round ${round}`);
    }
  });

  test("a passing evaluation clears the failure, and a stale write never moves last_passed back", async () => {
    const [a, b] = await twoHandles();
    await a.recordCompliance([evaluation(1000, { firstFailedAt: 1000, lastPassedAt: null })]);
    await b.recordCompliance([evaluation(3000, { firstFailedAt: null, lastPassedAt: 3000 })]);
    assert.deepEqual(await state(a), { policyId: "p1", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: 3000 });
    // A replica that read before the pass and passes too, with an older time.
    await a.recordCompliance([evaluation(2000, { firstFailedAt: null, lastPassedAt: 2000 })]);
    assert.equal((await state(b))?.lastPassedAt, 3000);
    // The device fails again: a fresh grace window starts from this failure.
    await a.recordCompliance([evaluation(4000, { firstFailedAt: 4000, lastPassedAt: 3000 })]);
    assert.deepEqual(await state(b), { policyId: "p1", check: "firewallEnabled", firstFailedAt: 4000, lastPassedAt: 3000 });
  });
});
