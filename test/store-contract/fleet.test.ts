/**
 * The console's fleet list: filters by compliance, freshness, platform, user and search; keyset
 * pages by display name that never skip or repeat a device; counts that add up to the list.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";
import { device, enrollToken, sampleFacts, write } from "../support/store/fixtures.ts";
import type { ComplianceWrite, FleetQuery, StoredPolicy } from "../../connector/store/types.ts";

const POLICY: StoredPolicy = { id: "p1", version: 1, name: "p1", platform: "LINUX", body: { firewallEnabled: true }, createdAt: 1, updatedAt: 1 };

function result(deviceId: string, passing: boolean, policyId = "p1"): ComplianceWrite {
  return {
    record: { deviceId, policyId, policyVersion: 1, result: passing ? "PASS" : "FAIL", passing, evaluatedAt: 7000, detail: {} },
    checks: [],
    changedEvent: { type: "device.compliance.changed", at: 7000, deviceId, data: {} },
  };
}

await forEachBackend("store contract: fleet list", (ctx) => {
  async function enroll(id: string, extra: Parameters<typeof device>[1] = {}): Promise<void> {
    await ctx.store.createEnrollToken(enrollToken(`t-${id}`), `h-${id}`);
    assert.equal((await ctx.store.enrollDevice(`h-${id}`, device(id, extra), 1000)).ok, true);
  }

  /** Five devices: named, unnamed, failing, passing, unevaluated, stale, fresh, one revoked, one mac. */
  async function seed(): Promise<void> {
    await enroll("d1", { name: "Zeta" });
    await enroll("d2", { name: "alpha" });
    await enroll("d3", { name: "Alpha", username: "carol" });
    await ctx.store.bindUser({ deviceId: "d3", username: "Bob", source: "admin", boundBy: "tok", boundAt: 1500 }, { type: "device.user_bound", at: 1500, deviceId: "d3", data: {} });
    await enroll("d4", { name: "beta_1", platform: "mac_os" });
    await enroll("d5", { name: "gone" });
    await ctx.store.revokeDevice("d5", 2000);
    // collectedAt = 5000 + seq: d1 and d2 report at 5001, d3 at 5002.
    await ctx.store.writeSnapshots([write("d1", 1), write("d2", 1), write("d3", 1), write("d3", 2, sampleFacts({ users: [] }))]);
    await ctx.store.createPolicy(POLICY, { type: "device.assurance.policy.add", at: 1, deviceId: null, data: {} });
    await ctx.store.createPolicy({ ...POLICY, id: "p2", name: "p2" }, { type: "device.assurance.policy.add", at: 1, deviceId: null, data: {} });
    await ctx.store.recordCompliance([result("d1", false), result("d2", true), result("d2", false, "p2"), result("d3", true), result("d3", true, "p2")]);
  }

  const ids = async (q: Partial<FleetQuery>) => (await ctx.store.listFleet({ staleBefore: 5002, limit: 50, ...q })).map((r) => r.device.id);

  test("orders by display name, case-insensitive, then id, leaving out revoked devices unless asked", async () => {
    await seed();
    assert.deepEqual(await ids({}), ["d2", "d3", "d4", "d1"]);
    assert.deepEqual(await ids({ includeRevoked: true }), ["d2", "d3", "d4", "d5", "d1"]);
  });

  test("pages by cursor without skipping or repeating", async () => {
    await seed();
    const seen: string[] = [];
    let after: FleetQuery["after"];
    for (;;) {
      const page = await ctx.store.listFleet({ staleBefore: 0, limit: 1, includeRevoked: true, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      seen.push(page[0]!.device.id);
      after = { sortKey: page[0]!.sortKey, id: page[0]!.device.id };
    }
    assert.deepEqual(seen, ["d2", "d3", "d4", "d5", "d1"]);
  });

  test("filters by compliance, freshness, platform, user and search", async () => {
    await seed();
    assert.deepEqual(await ids({ compliance: "failing" }), ["d2", "d1"], "any failing policy makes the device failing");
    assert.deepEqual(await ids({ compliance: "passing" }), ["d3"]);
    assert.deepEqual(await ids({ compliance: "unevaluated" }), ["d4"]);
    assert.deepEqual(await ids({ freshness: "stale" }), ["d2", "d4", "d1"], "collected before staleBefore, or never reported");
    assert.deepEqual(await ids({ freshness: "fresh" }), ["d3"]);
    assert.deepEqual(await ids({ platform: "mac_os" }), ["d4"]);
    assert.deepEqual(await ids({ username: "bob" }), ["d3"], "bound users, case-insensitive");
    assert.deepEqual(await ids({ username: "carol" }), [], "a user the device only claims is not a match");
    assert.deepEqual(await ids({ search: "ALP" }), ["d2", "d3"], "case-insensitive substring");
    assert.deepEqual(await ids({ search: "a_1" }), ["d4"], "LIKE wildcards in the search are literal");
    assert.deepEqual(await ids({ search: "a%" }), []);
    assert.deepEqual(await ids({ search: "d4" }), ["d4"], "by id");
  });

  test("counts by compliance and freshness add up to the devices listed", async () => {
    await seed();
    const counts = await ctx.store.countFleet({ staleBefore: 5002 });
    assert.deepEqual(counts, {
      failing: { stale: 2, fresh: 0 },
      passing: { stale: 0, fresh: 1 },
      unevaluated: { stale: 1, fresh: 0 },
    });
    assert.deepEqual(await ctx.store.countFleet({ staleBefore: 5002, search: "alpha" }), {
      failing: { stale: 1, fresh: 0 },
      passing: { stale: 0, fresh: 1 },
      unevaluated: { stale: 0, fresh: 0 },
    });
  });

  test("summarises stored results per device and policy without their detail", async () => {
    await seed();
    const rows = await ctx.store.complianceSummaries(["d2", "d4"]);
    assert.deepEqual(rows, [
      { deviceId: "d2", policyId: "p1", result: "PASS", passing: true, evaluatedAt: 7000 },
      { deviceId: "d2", policyId: "p2", result: "FAIL", passing: false, evaluatedAt: 7000 },
    ]);
  });
});
