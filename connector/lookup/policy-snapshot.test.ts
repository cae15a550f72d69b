import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { CompiledExpressions } from "../policy/cel/compile.ts";
import { INVENTORY_FAMILIES, readsInventory } from "../policy/inventories.ts";
import { lazySnapshot } from "../store/lazy-snapshot.ts";
import { inputOf, linuxFacts, macFacts, policyOf, windowsFacts } from "../../test/support/policy/fixtures.ts";
import { POLICY_FACTS_VERSION, policyFactsText, policySnapshotOf, storedPolicySnapshot, versionedPolicyFacts } from "./policy-snapshot.ts";

// The agent's document recorded on a Linux VM (ours; its header says when), with 759 software entries.
const recorded = JSON.parse(readFileSync(new URL("../../scripts/bench/fixtures/linux-agent-facts.json", import.meta.url), "utf8")) as { facts: Facts; unknown: Unknown };

const storedOf = (facts: Facts, unknown: Unknown) =>
  lazySnapshot({
    deviceId: "d1", seq: 3, collectedAt: 1_000, receivedAt: 1_000, signature: "s",
    body: canonicalJson({ agentVersion: "1", collectedAt: "2025-11-20T11:59:00.000Z", deviceId: "d1", facts, nonce: "n".repeat(16), seq: 3, unknown, v: 1 }),
  });

// Every built-in check on each platform, and custom checks over small families.
const POLICIES = [
  policyOf({
    name: "mac", platform: "MACOS", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } },
    diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] }, screenLockType: { include: ["PASSCODE", "BIOMETRIC"] }, secureHardwarePresent: true,
    firewallEnabled: true, secureBootEnabled: true, maxFactAge: "P1D", gracePeriod: { type: "BY_DURATION", expiry: "P7D" },
    customChecks: [{ name: "apple", expression: 'facts.hardware.manufacturer.lowerAscii().startsWith("apple")', message: "Apple only." }],
  }, "dap_mac"),
  policyOf({
    name: "windows", platform: "WINDOWS",
    osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", dynamicVersionRequirement: { type: "MINIMUM", distanceFromLatestMajor: 1, latestSecurityPatch: true } }],
    diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] }, screenLockType: { include: ["PASSCODE"] }, secureHardwarePresent: true, firewallEnabled: true, secureBootEnabled: true,
  }, "dap_win"),
  policyOf({
    name: "linux", platform: "LINUX", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } },
    diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] }, screenLockType: { include: ["PASSCODE"] }, firewallEnabled: true, secureBootEnabled: true, unknownAs: "PASS",
    customChecks: [{ name: "disks", expression: "facts.disks.all(d, d.encryption_enabled == true)", message: "Encrypt." }, { name: "os", expression: 'facts["os"].name != ""', message: "OS." }],
  }, "dap_linux"),
  policyOf({ name: "linux minimum", platform: "LINUX", osVersion: { minimum: "12" } }, "dap_linux_min"),
];

const DOCUMENTS: [string, Facts, Unknown][] = [
  ["recorded Linux agent document", recorded.facts, recorded.unknown],
  ["mac (synthetic)", macFacts(), {}],
  ["windows (synthetic)", windowsFacts(), {}],
  ["linux (synthetic)", linuxFacts(), {}],
  ["mac with unknowns (synthetic)", macFacts({ disks: null, security: { firewall_enabled: null } } as never), { disks: "not determined", "security.firewall_enabled": "not determined" }],
];

test("holds every family but the inventories, each as the whole snapshot has it", () => {
  const whole = storedOf(recorded.facts, recorded.unknown);
  const held = policySnapshotOf(whole);
  assert.deepEqual(Object.keys(held.facts).sort(), Object.keys(recorded.facts).filter((k) => !INVENTORY_FAMILIES.has(k)).sort());
  for (const family of Object.keys(held.facts)) assert.deepEqual((held.facts as Record<string, unknown>)[family], (recorded.facts as Record<string, unknown>)[family], family);
  assert.deepEqual(held.unknown, recorded.unknown);
  assert.deepEqual([held.deviceId, held.seq, held.collectedAt], ["d1", 3, 1_000]);
  for (const family of INVENTORY_FAMILIES) assert.throws(() => (held.facts as Record<string, unknown>)[family], /leaves out the \w+ inventory/);
  assert.ok(held.heapBytes < whole.body.length / 4, `${held.heapBytes} bytes charged for a ${whole.body.length}-byte body`);
});

test("every built-in check and small-family custom check decides the same from the policy snapshot as from the whole one", () => {
  const expressions = new CompiledExpressions();
  for (const policy of POLICIES) assert.equal(readsInventory(policy, expressions), false, policy.name);
  for (const [name, facts, unknown] of DOCUMENTS) {
    const whole = storedOf(facts, unknown);
    const held = policySnapshotOf(whole);
    for (const policy of POLICIES) {
      const from = (s: { facts: Facts; unknown: Unknown }) => evaluatePolicy(inputOf(policy, s.facts, { unknown: s.unknown }));
      assert.deepEqual(from(held), from(whole), `${policy.name} on ${name}`);
    }
  }
});

test("a custom check that can read an inventory, or the whole document, sends the evaluation to the whole snapshot", () => {
  const expressions = new CompiledExpressions();
  const custom = (expression: string) => policyOf({ name: "p", platform: "LINUX", customChecks: [{ name: "c", expression, message: "m" }] });
  for (const expression of ['facts.software.exists(s, s.name == "curl")', "size(facts.processes) < 500", 'facts["users"].size() > 0', "has(facts.groups)", "size(facts) > 3", '["os"].all(k, facts[k] != null)']) {
    assert.equal(readsInventory(custom(expression), expressions), true, expression);
  }
  for (const expression of ['facts.hardware.manufacturer != "Dell"', "facts.disks.all(d, d.encryption_enabled)", 'facts.os.name.startsWith("Ubuntu") || facts.security.firewall_enabled == true', "1 == 1"]) {
    assert.equal(readsInventory(custom(expression), expressions), false, expression);
  }
  const broken = { ...custom("1 == 1"), customChecks: [{ name: "c", expression: "facts.software.(", message: "m" }] };
  assert.equal(readsInventory(broken, expressions), false, "one that does not compile reads nothing: it fails as a policy error");
});

test("the stored text's version is pinned with the inventories it leaves out", () => {
  // The text's shape depends on these; if they change, bump POLICY_FACTS_VERSION (so stored texts
  // are made again from their bodies) and the list here.
  assert.deepEqual({ version: POLICY_FACTS_VERSION, left: [...INVENTORY_FAMILIES].sort() }, { version: 1, left: ["groups", "processes", "software", "users"] });
});

test("stored policy facts answer only for their own seq and the current version", () => {
  const text = policyFactsText(recorded.facts, recorded.unknown);
  const stored = { ...versionedPolicyFacts(text), seq: 3, collectedAt: 2_000 };
  const held = storedPolicySnapshot("d1", stored, 3)!;
  assert.deepEqual([held.deviceId, held.seq, held.collectedAt], ["d1", 3, 2_000]);
  assert.deepEqual(held.facts.os, recorded.facts.os);
  assert.equal(storedPolicySnapshot("d1", stored, 4), undefined, "a newer snapshot was accepted without them");
  assert.equal(storedPolicySnapshot("d1", { ...stored, version: POLICY_FACTS_VERSION + 1 }, 3), undefined);
  assert.equal(storedPolicySnapshot("d1", undefined, 3), undefined);
});
