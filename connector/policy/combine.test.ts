import assert from "node:assert/strict";
import { test } from "node:test";
import { combinedListsJson, combinedVerdict, combineEvaluations, failingChecks } from "./combine.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { inputOf, linuxFacts, policyOf } from "../../test/support/policy/fixtures.ts";

test("combined checks are each policy's checks, with the policy's id after the check's own keys", () => {
  const firewall = evaluatePolicy(inputOf(policyOf({ name: "fw", platform: "LINUX", firewallEnabled: true }, "dap_fw"), linuxFacts({ network: { firewall_enabled: false } })));
  const broken = evaluatePolicy(inputOf(policyOf({ name: "c", platform: "LINUX", customChecks: [{ name: "broken", expression: "facts.os.name", message: "m" }] }, "dap_c"), linuxFacts()));
  const mac = evaluatePolicy(inputOf(policyOf({ name: "mac", platform: "MACOS", firewallEnabled: true }, "dap_mac"), linuxFacts()));
  const combined = combineEvaluations([firewall, broken, mac]);
  assert.deepEqual([combined.result, combined.passing], ["FAIL", false]);
  assert.deepEqual(combined.checks.map((c) => [c.policyId, c.check]), [...firewall.checks.map((c) => ["dap_fw", c.check]), ...broken.checks.map((c) => ["dap_c", c.check])], "only the applicable policies' checks");
  for (const c of combined.checks) {
    const own = [...firewall.checks, ...broken.checks].find((x) => x.check === c.check)!;
    assert.deepEqual(Object.keys(c), [...Object.keys(own), "policyId"]);
    assert.deepEqual({ ...c, policyId: undefined }, { ...own, policyId: undefined });
  }
  assert.equal(combined.policies.length, 3);
});

test("the combined lists as JSON are JSON.stringify's bytes for both lists", () => {
  const firewall = evaluatePolicy(inputOf(policyOf({ name: "fw \"quoted\" ✓", platform: "LINUX", firewallEnabled: true, gracePeriod: { type: "BY_DURATION", expiry: "P7D" } }, "dap_fw"), linuxFacts({ network: { firewall_enabled: false } })));
  const broken = evaluatePolicy(inputOf(policyOf({ name: "c", platform: "LINUX", customChecks: [{ name: "broken", expression: "facts.os.name", message: "m" }] }, "dap_c"), linuxFacts()));
  const mac = evaluatePolicy(inputOf(policyOf({ name: "mac", platform: "MACOS", firewallEnabled: true }, "dap_mac"), linuxFacts()));
  const never = evaluatePolicy(inputOf(policyOf({ name: "fw", platform: "LINUX", firewallEnabled: true }, "dap_none"), null));
  for (const evaluations of [[firewall, broken, mac], [mac], [never], [], [broken, firewall]]) {
    const combined = combineEvaluations(evaluations);
    assert.equal(`{${combinedListsJson(combined)}}`, JSON.stringify({ policies: combined.policies, checks: combined.checks }));
  }
});

test("a sign-in's verdict and failing checks are what the combined evaluation says", () => {
  const firewall = evaluatePolicy(inputOf(policyOf({ name: "fw", platform: "LINUX", firewallEnabled: true, gracePeriod: { type: "BY_DURATION", expiry: "P7D" } }, "dap_fw"), linuxFacts({ network: { firewall_enabled: false } })));
  const broken = evaluatePolicy(inputOf(policyOf({ name: "c", platform: "LINUX", customChecks: [{ name: "broken", expression: "facts.os.name", message: "m" }] }, "dap_c"), linuxFacts()));
  const mac = evaluatePolicy(inputOf(policyOf({ name: "mac", platform: "MACOS", firewallEnabled: true }, "dap_mac"), linuxFacts()));
  const never = evaluatePolicy(inputOf(policyOf({ name: "fw", platform: "LINUX", firewallEnabled: true }, "dap_none"), null));
  const passing = evaluatePolicy(inputOf(policyOf({ name: "ok", platform: "LINUX", firewallEnabled: true }, "dap_ok"), linuxFacts()));
  for (const evaluations of [[firewall, broken, mac], [mac], [never], [], [broken, firewall], [passing], [firewall, passing]]) {
    const { checks, ...verdict } = combineEvaluations(evaluations);
    assert.deepEqual(combinedVerdict(evaluations), verdict);
    const failing = checks.filter((x) => x.status !== "PASS").map((x) => ({ policyId: x.policyId, check: x.check, status: x.status, observed: x.observed, message: x.message }));
    assert.equal(JSON.stringify(failingChecks(evaluations)), JSON.stringify(failing));
  }
});
