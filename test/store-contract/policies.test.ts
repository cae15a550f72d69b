import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";
import { device, enrollToken } from "../support/store/fixtures.ts";
import type { ComplianceWrite, StoredPolicy } from "../../connector/store/types.ts";

function policy(id: string, extra: Partial<StoredPolicy> = {}): StoredPolicy {
  return { id, version: 1, name: `policy ${id}`, platform: "MACOS", body: { name: `policy ${id}`, platform: "MACOS", firewallEnabled: true }, createdAt: 100, updatedAt: 100, ...extra };
}

function evaluation(deviceId: string, policyId: string, result: string, passing: boolean, at: number, checks: ComplianceWrite["checks"] = []): ComplianceWrite {
  return {
    record: { deviceId, policyId, policyVersion: 1, result, passing, evaluatedAt: at, detail: { result, checks: [] } },
    checks,
    changedEvent: { type: "device.compliance.changed", at, deviceId, data: { policyId, result, passing } },
  };
}

await forEachBackend("store contract: policies and compliance", (ctx) => {
  async function enroll(id: string): Promise<void> {
    await ctx.store.createEnrollToken(enrollToken(`t-${id}`), `h-${id}`);
    assert.equal((await ctx.store.enrollDevice(`h-${id}`, device(id), 1000)).ok, true);
  }
  const added = (p: StoredPolicy) => ({ type: "device.assurance.policy.add", at: p.createdAt, deviceId: null, data: { id: p.id } });

  test("creates, reads, lists policies and records the add event in the same write", async () => {
    await ctx.store.createPolicy(policy("p1"), added(policy("p1")));
    await ctx.store.createPolicy(policy("p2", { createdAt: 200 }), added(policy("p2")));
    assert.deepEqual(await ctx.store.getPolicy("p1"), policy("p1"));
    assert.equal(await ctx.store.getPolicy("nope"), null);
    assert.deepEqual((await ctx.store.listPolicies()).map((p) => p.id), ["p1", "p2"]);
    assert.deepEqual((await ctx.store.getPolicies(["p2", "nope", "p1"])).map((p) => p.id), ["p2", "p1"]);
    assert.deepEqual((await ctx.store.listEvents({ types: ["device.assurance.policy.add"], limit: 10 })).map((e) => e.data.id), ["p1", "p2"]);
  });

  test("a duplicate id is refused and leaves nothing behind", async () => {
    await ctx.store.createPolicy(policy("p1"), added(policy("p1")));
    const before = await ctx.store.counts();
    await assert.rejects(ctx.store.createPolicy(policy("p1"), added(policy("p1"))));
    assert.deepEqual(await ctx.store.counts(), before);
  });

  test("replace bumps the version and hands before/after to the event", async () => {
    await ctx.store.createPolicy(policy("p1"), added(policy("p1")));
    const after = await ctx.store.replacePolicy({ id: "p1", name: "renamed", platform: "MACOS", body: { name: "renamed", platform: "MACOS" }, at: 500 }, (b, a) => ({
      type: "device.assurance.policy.update",
      at: 500,
      deviceId: null,
      data: { from: b.name, to: a.name, version: a.version },
    }));
    assert.equal(after?.version, 2);
    assert.equal(after?.updatedAt, 500);
    assert.equal(after?.createdAt, 100);
    assert.deepEqual(after?.body, { name: "renamed", platform: "MACOS" });
    const [event] = await ctx.store.listEvents({ types: ["device.assurance.policy.update"], limit: 10 });
    assert.deepEqual(event?.data, { from: "policy p1", to: "renamed", version: 2 });
    assert.equal(await ctx.store.replacePolicy({ id: "ghost", name: "x", platform: "MACOS", body: {}, at: 1 }, () => assert.fail("no event for a missing policy")), null);
  });

  test("delete removes the policy with its compliance state", async () => {
    await enroll("d1");
    await ctx.store.createPolicy(policy("p1"), added(policy("p1")));
    await ctx.store.recordCompliance([evaluation("d1", "p1", "FAIL", false, 1000, [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: 1000, lastPassedAt: null }])]);
    const deleted = await ctx.store.deletePolicy("p1", (b) => ({ type: "device.assurance.policy.delete", at: 2000, deviceId: null, data: { id: b.id } }));
    assert.equal(deleted?.id, "p1");
    assert.equal(await ctx.store.getPolicy("p1"), null);
    assert.deepEqual(await ctx.store.getCompliance("d1"), []);
    assert.deepEqual(await ctx.store.getCheckStates("d1", ["p1"]), []);
    assert.deepEqual(await ctx.store.evaluationState("d1"), { checks: [], verdicts: [] });
    assert.equal(await ctx.store.deletePolicy("p1", () => assert.fail("no event for a missing policy")), null);
  });

  test("keeps check states per device × policy × check and the latest record per device × policy", async () => {
    await enroll("d1");
    await enroll("d2");
    await ctx.store.createPolicy(policy("p1"), added(policy("p1")));
    await ctx.store.createPolicy(policy("p2"), added(policy("p2")));
    await ctx.store.recordCompliance([
      evaluation("d1", "p1", "GRACE", true, 1000, [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: 1000, lastPassedAt: null }]),
      evaluation("d1", "p2", "PASS", true, 1000, [{ policyId: "p2", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: 1000 }]),
      evaluation("d2", "p1", "PASS", true, 1000, [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: 1000 }]),
    ]);
    assert.deepEqual(await ctx.store.getCheckStates("d1", ["p1"]), [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: 1000, lastPassedAt: null }]);
    assert.equal((await ctx.store.getCheckStates("d1", ["p1", "p2"])).length, 2);
    assert.deepEqual(await ctx.store.getCheckStates("d1", []), []);
    await ctx.store.recordCompliance([evaluation("d1", "p1", "PASS", true, 2000, [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: 2000 }])]);
    const records = await ctx.store.getCompliance("d1");
    assert.deepEqual(records.map((r) => [r.policyId, r.result, r.passing, r.evaluatedAt]), [["p1", "PASS", true, 2000], ["p2", "PASS", true, 1000]]);
    assert.deepEqual(await ctx.store.getCheckStates("d1", ["p1"]), [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: 2000 }]);
  });

  test("a device's evaluation state is every check state and every verdict, without the detail", async () => {
    await enroll("d1");
    await enroll("d2");
    assert.deepEqual(await ctx.store.evaluationState("d1"), { checks: [], verdicts: [] });
    await ctx.store.createPolicy(policy("p1"), added(policy("p1")));
    await ctx.store.createPolicy(policy("p2"), added(policy("p2")));
    await ctx.store.recordCompliance([
      { ...evaluation("d1", "p2", "FAIL", false, 1000, [{ policyId: "p2", check: "firewallEnabled", firstFailedAt: 1000, lastPassedAt: null }]), record: { ...evaluation("d1", "p2", "FAIL", false, 1000).record, policyVersion: 3 } },
      evaluation("d1", "p1", "PASS", true, 1500, [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: 1500 }, { policyId: "p1", check: "secureBootEnabled", firstFailedAt: null, lastPassedAt: 1400 }]),
      evaluation("d2", "p1", "FAIL", false, 1000, [{ policyId: "p1", check: "firewallEnabled", firstFailedAt: 900, lastPassedAt: null }]),
    ]);
    const state = await ctx.store.evaluationState("d1");
    const byKey = (a: { policyId: string; check: string }, b: { policyId: string; check: string }) => `${a.policyId}/${a.check}`.localeCompare(`${b.policyId}/${b.check}`);
    assert.deepEqual(state.checks.sort(byKey), [
      { policyId: "p1", check: "firewallEnabled", firstFailedAt: null, lastPassedAt: 1500 },
      { policyId: "p1", check: "secureBootEnabled", firstFailedAt: null, lastPassedAt: 1400 },
      { policyId: "p2", check: "firewallEnabled", firstFailedAt: 1000, lastPassedAt: null },
    ]);
    assert.deepEqual(state.verdicts, [
      { policyId: "p1", policyVersion: 1, result: "PASS", passing: true, evaluatedAt: 1500 },
      { policyId: "p2", policyVersion: 3, result: "FAIL", passing: false, evaluatedAt: 1000 },
    ]);
  });

  test("records device.compliance.changed only when the result or passing changes, with the previous value", async () => {
    await enroll("d1");
    await ctx.store.createPolicy(policy("p1"), added(policy("p1")));
    assert.deepEqual(await ctx.store.recordCompliance([evaluation("d1", "p1", "PASS", true, 1000)]), [true]);
    assert.deepEqual(await ctx.store.recordCompliance([evaluation("d1", "p1", "PASS", true, 2000)]), [false]);
    assert.deepEqual(await ctx.store.recordCompliance([evaluation("d1", "p1", "GRACE", true, 3000)]), [true]);
    assert.deepEqual(await ctx.store.recordCompliance([evaluation("d1", "p1", "FAIL", false, 4000)]), [true]);
    const events = await ctx.store.listEvents({ types: ["device.compliance.changed"], limit: 10 });
    assert.deepEqual(events.map((e) => [e.at, e.data.result, e.data.previous]), [
      [1000, "PASS", null],
      [3000, "GRACE", { result: "PASS", passing: true }],
      [4000, "FAIL", { result: "GRACE", passing: true }],
    ]);
    assert.ok(events.every((e) => e.deviceId === "d1"));
  });

  test("a compliance write for a deleted policy is refused whole", async () => {
    await enroll("d1");
    const before = await ctx.store.counts();
    await assert.rejects(ctx.store.recordCompliance([evaluation("d1", "gone", "PASS", true, 1000)]));
    assert.deepEqual(await ctx.store.counts(), before);
  });
});
