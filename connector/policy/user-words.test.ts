import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { userMessages } from "./combine.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { inputOf, linuxFacts, macFacts, policyOf, redatedCatalog } from "../../test/support/policy/fixtures.ts";

function messagesFor(body: Record<string, unknown>, facts: Facts, options: Parameters<typeof inputOf>[2] = {}) {
  const policy = policyOf(body);
  const evaluation = evaluatePolicy(inputOf(policy, facts, options));
  return { user: userMessages([evaluation], new Map([[policy.id, policy]])), checks: evaluation.checks };
}

const ADMIN_WORDS = /\bfacet [a-z]|os-catalog|PUT \/v1|command not found|compile|CEL|bool|catalog 20/;

describe("sign-in messages are in the user's words", () => {
  test("a probe's failure reason stays in the admin view, the user is told what could not be checked", () => {
    const unknown: Unknown = { "network.firewall_enabled": "nft: command not found" };
    const { user, checks } = messagesFor({ name: "fw", platform: "LINUX", firewallEnabled: true }, linuxFacts({ network: { firewall_enabled: null } }), { unknown });
    assert.equal(user.length, 1);
    assert.match(user[0]!, /could not check this device's firewall/);
    assert.doesNotMatch(user[0]!, ADMIN_WORDS);
    assert.match(checks.find((c) => c.check === "firewallEnabled")!.message!, /nft: command not found/, "the admin still sees why");
  });

  test("a stale OS catalog is the admin's to fix: no command in the user's message", () => {
    const stale = redatedCatalog("2025-01-01");
    const { user, checks } = messagesFor({ name: "m", platform: "MACOS", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } }, macFacts(), { catalog: stale });
    assert.equal(user.length, 1);
    assert.match(user[0]!, /OS updates cannot be verified right now/);
    assert.doesNotMatch(user[0]!, ADMIN_WORDS);
    assert.match(checks.find((c) => c.check === "osVersion")!.message!, /facet os-catalog import/);
  });

  test("a custom check broken at run time blames the policy, not the device, and hides the CEL detail", () => {
    const { user, checks } = messagesFor(
      { name: "c", platform: "LINUX", customChecks: [{ name: "broken", expression: "facts.os.name", message: "Nope." }] },
      linuxFacts(),
    );
    const custom = checks.find((c) => c.check === "custom:broken")!;
    assert.deepEqual([custom.status, custom.cause], ["FAIL", "policy_error"]);
    assert.match(custom.message!, /returned string, not a bool/);
    assert.match(user[0]!, /problem in the sign-in policy/);
    assert.doesNotMatch(user[0]!, ADMIN_WORDS);
  });

  test("a failing check keeps its own message and remediation, written for the owner", () => {
    const { user } = messagesFor({ name: "m", platform: "MACOS", diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, macFacts({ disks: [{ name: "disk3s1", mountpoint: "/", encryption_enabled: false, internal: true, removable: false }] as Facts["disks"] }));
    assert.deepEqual(user, ["Not encrypted: /. Turn on FileVault in System Settings → Privacy & Security → FileVault."]);
  });

  test("facts too old: the age is said once, not once per check it made unknown", () => {
    const { user } = messagesFor({ name: "fw", platform: "LINUX", firewallEnabled: true, secureBootEnabled: true, maxFactAge: "PT1H" }, linuxFacts(), { collectedAt: Date.parse("2025-11-20T09:00:00Z") });
    assert.equal(user.length, 1, user.join(" | "));
    assert.match(user[0]!, /has not reported for 3 hours.*Make sure the Facet agent is running/);
  });
});
