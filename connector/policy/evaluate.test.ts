import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Facts } from "../../shared/facts/schema.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { inputOf, linuxFacts, macFacts, policyOf, windowsFacts } from "../../test/support/policy/fixtures.ts";
import type { CheckStatus } from "./types.ts";

const mac = { name: "mac", platform: "MACOS" };
const win = { name: "win", platform: "WINDOWS" };
const linux = { name: "linux", platform: "LINUX" };

function statusOf(body: Record<string, unknown>, facts: Facts | null, check: string, unknown: Record<string, string> = {}): { status: CheckStatus; message: string | null } {
  const evaluation = evaluatePolicy(inputOf(policyOf(body), facts, { unknown }));
  const found = evaluation.checks.find((c) => c.check === check);
  assert.ok(found, `no ${check} check in ${JSON.stringify(evaluation.checks.map((c) => c.check))}`);
  return { status: found.status, message: found.message };
}

// [what, policy, facts, check, expected status, message pattern]
type Row = [string, Record<string, unknown>, Facts, string, CheckStatus, RegExp?];

const macDynamic = (dynamic: Record<string, unknown>) => ({ ...mac, osVersion: { dynamicVersionRequirement: dynamic } });
const winConstraints = (...constraints: Record<string, unknown>[]) => ({ ...win, osVersionConstraints: constraints });
const win11Dynamic = (dynamic: Record<string, unknown>) =>
  winConstraints({ majorVersionConstraint: "WINDOWS_11", dynamicVersionRequirement: dynamic }, { majorVersionConstraint: "WINDOWS_10", dynamicVersionRequirement: { type: "NOT_ALLOWED" } });

const rows: Row[] = [
  // osVersion on MACOS
  ["macOS at the minimum", { ...mac, osVersion: { minimum: "15.7.2" } }, macFacts(), "osVersion", "PASS"],
  ["macOS below the minimum", { ...mac, osVersion: { minimum: "15.7.3" } }, macFacts(), "osVersion", "FAIL", /older than the required 15.7.3/],
  ["macOS with an unreadable version", { ...mac, osVersion: { minimum: "14" } }, macFacts({ os: { version: "Sequoia" } }), "osVersion", "UNKNOWN", /unreadable/],
  ["macOS latest major, distance 0", macDynamic({ type: "MINIMUM", distanceFromLatestMajor: 0 }), macFacts({ os: { version: "26.1" } }), "osVersion", "PASS"],
  ["macOS one behind, distance 0", macDynamic({ type: "MINIMUM", distanceFromLatestMajor: 0 }), macFacts(), "osVersion", "FAIL", /macOS 26 or later/],
  ["macOS one behind, distance 1", macDynamic({ type: "MINIMUM", distanceFromLatestMajor: 1 }), macFacts(), "osVersion", "PASS"],
  ["macOS two behind, distance 1", macDynamic({ type: "MINIMUM", distanceFromLatestMajor: 1 }), macFacts({ os: { version: "14.8.2" } }), "osVersion", "FAIL"],
  ["macOS EXACT one behind", macDynamic({ type: "EXACT", distanceFromLatestMajor: 1 }), macFacts(), "osVersion", "PASS"],
  ["macOS EXACT on the latest when one behind is required", macDynamic({ type: "EXACT", distanceFromLatestMajor: 1 }), macFacts({ os: { version: "26.1" } }), "osVersion", "FAIL"],
  ["macOS 14 is supported", macDynamic({ type: "EXACT_ANY_SUPPORTED" }), macFacts({ os: { version: "14.8.2" } }), "osVersion", "PASS"],
  ["macOS 13 is not supported", macDynamic({ type: "EXACT_ANY_SUPPORTED" }), macFacts({ os: { version: "13.7.8" } }), "osVersion", "FAIL", /no longer supported/],
  ["macOS on the latest patch", macDynamic({ type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true }), macFacts(), "osVersion", "PASS"],
  ["macOS missing the latest patch", macDynamic({ type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true }), macFacts({ os: { version: "15.7.1" } }), "osVersion", "FAIL", /latest security update \(15\.7\.2/],
  ["macOS newer than the catalog", macDynamic({ type: "MINIMUM", latestSecurityPatch: true }), macFacts({ os: { version: "27.0" } }), "osVersion", "PASS"],
  ["macOS with a null version", macDynamic({ type: "MINIMUM" }), macFacts({ os: { version: null } }), "osVersion", "UNKNOWN", /not reported/],
  // osVersion / osVersionConstraints on WINDOWS
  ["Windows at the static minimum", { ...win, osVersion: { minimum: "10.0.26100.7171" } }, windowsFacts(), "osVersion", "PASS"],
  ["Windows below the static minimum", { ...win, osVersion: { minimum: "10.0.26100.7172" } }, windowsFacts(), "osVersion", "FAIL"],
  ["Windows without a UBR at the same build", { ...win, osVersion: { minimum: "10.0.26100.7171" } }, windowsFacts({ os: { build: null, version: "10.0.26100" } }), "osVersion", "UNKNOWN", /UBR/],
  ["Windows 11 latest feature release, latest patch", win11Dynamic({ type: "MINIMUM", distanceFromLatestMajor: 1, latestSecurityPatch: true }), windowsFacts(), "osVersionConstraints", "PASS"],
  ["Windows 11 one patch behind", win11Dynamic({ type: "MINIMUM", distanceFromLatestMajor: 1, latestSecurityPatch: true }), windowsFacts({ os: { build: "10.0.26100.6899" } }), "osVersionConstraints", "FAIL", /KB5068861/],
  ["Windows 11 two feature releases behind", win11Dynamic({ type: "MINIMUM", distanceFromLatestMajor: 1 }), windowsFacts({ os: { build: "10.0.22631.6199" } }), "osVersionConstraints", "FAIL", /24H2 \(build 26100\) or later/],
  ["Windows 11 23H2 still supported", win11Dynamic({ type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true }), windowsFacts({ os: { build: "10.0.22631.6199" } }), "osVersionConstraints", "PASS"],
  ["Windows 10 with WINDOWS_10 NOT_ALLOWED", win11Dynamic({ type: "MINIMUM" }), windowsFacts({ os: { build: "10.0.19045.6575" } }), "osVersionConstraints", "FAIL", /Windows 10 is not allowed/],
  ["Windows 10 without any WINDOWS_10 constraint", winConstraints({ majorVersionConstraint: "WINDOWS_11", minimum: "10.0.22631.1" }), windowsFacts({ os: { build: "10.0.19045.6575" } }), "osVersionConstraints", "FAIL", /Windows 10 is not allowed/],
  ["Windows 10 at its static constraint", winConstraints({ majorVersionConstraint: "WINDOWS_10", minimum: "10.0.19045.6456" }, { majorVersionConstraint: "WINDOWS_11", minimum: "10.0.26100.1" }), windowsFacts({ os: { build: "10.0.19045.6456" } }), "osVersionConstraints", "PASS"],
  ["Windows with a null build and version", win11Dynamic({ type: "MINIMUM" }), windowsFacts({ os: { build: null, version: null } }), "osVersionConstraints", "UNKNOWN"],
  // osVersion on LINUX
  ["Ubuntu at the minimum", { ...linux, osVersion: { minimum: "24.04" } }, linuxFacts(), "osVersion", "PASS"],
  ["Ubuntu 22.04 below the minimum", { ...linux, osVersion: { minimum: "24.04" } }, linuxFacts({ os: { version: "22.04.5 LTS (Jammy Jellyfish)" } }), "osVersion", "FAIL"],
  ["Ubuntu 24.04 is supported", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } }, linuxFacts(), "osVersion", "PASS"],
  ["Ubuntu 20.04 is past support", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED" } } }, linuxFacts({ os: { version: "20.04.6 LTS (Focal Fossa)" } }), "osVersion", "FAIL", /not a supported release/],
  ["Ubuntu with pending security updates", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } }, linuxFacts({ os: { patch: { pending_security_updates: 3 } } }), "osVersion", "FAIL", /3 security update/],
  ["Ubuntu with unknown pending updates", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } }, linuxFacts({ os: { patch: { pending_security_updates: null } } }), "osVersion", "UNKNOWN"],
  ["a distro the catalog does not know", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED" } } }, linuxFacts({ os: { name: "Gentoo", version: "2.17" } }), "osVersion", "UNKNOWN", /not in the OS release catalog/],
  // diskEncryptionType
  ["all internal volumes encrypted", { ...mac, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, macFacts(), "diskEncryptionType", "PASS"],
  ["an internal volume unencrypted", { ...win, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, windowsFacts({ disks: [{ name: "C:", mountpoint: "C:\\", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: false, internal: true }] }), "diskEncryptionType", "FAIL", /Not encrypted: C:\\/],
  ["a removable unencrypted volume is ignored", { ...mac, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, macFacts({ disks: [...macFacts().disks!, { name: "disk4s1", mountpoint: "/Volumes/USB", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: false, internal: false, removable: true }] }), "diskEncryptionType", "PASS"],
  ["a volume of unknown kind is held to the rule", { ...mac, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, macFacts({ disks: [...macFacts().disks!, { name: "disk5", mountpoint: "/Volumes/X", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: false }] }), "diskEncryptionType", "FAIL"],
  ["an unencrypted EFI system partition is exempt", { ...linux, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, linuxFacts({ disks: [...linuxFacts().disks!, { name: "/dev/nvme0n1p1", mountpoint: "/boot/efi", label: "EFI", fs_type: "vfat", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: false, internal: true }] }), "diskEncryptionType", "PASS"],
  ["an unencrypted volume mounted elsewhere is not exempt", { ...linux, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, linuxFacts({ disks: [...linuxFacts().disks!, { name: "/dev/sdb1", mountpoint: "/boot/efi2", fs_type: "vfat", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: false, internal: true }] }), "diskEncryptionType", "FAIL"],
  ["encryption not determinable", { ...linux, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, linuxFacts({ disks: [{ name: "/dev/sda", mountpoint: "/", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: null, internal: true }] }), "diskEncryptionType", "UNKNOWN"],
  ["disks not collected", { ...mac, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, macFacts({ disks: null }), "diskEncryptionType", "UNKNOWN"],
  // screenLockType
  ["screen lock on, passcode accepted", { ...mac, screenLockType: { include: ["PASSCODE"] } }, macFacts(), "screenLockType", "PASS"],
  ["screen lock off", { ...mac, screenLockType: { include: ["PASSCODE", "BIOMETRIC"] } }, macFacts({ security: { screen_lock: { enabled: false } } }), "screenLockType", "FAIL", /No screen lock/],
  ["biometric required and present", { ...mac, screenLockType: { include: ["BIOMETRIC"] } }, macFacts(), "screenLockType", "PASS"],
  ["biometric required, passcode only", { ...win, screenLockType: { include: ["BIOMETRIC"] } }, windowsFacts(), "screenLockType", "FAIL", /biometrics/],
  ["biometric required, types unknown", { ...mac, screenLockType: { include: ["BIOMETRIC"] } }, macFacts({ security: { screen_lock: { types: null } } }), "screenLockType", "UNKNOWN"],
  ["screen lock unknown", { ...mac, screenLockType: { include: ["PASSCODE"] } }, macFacts({ security: { screen_lock: null } }), "screenLockType", "UNKNOWN"],
  // secureHardwarePresent
  ["Secure Enclave on a Mac", { ...mac, secureHardwarePresent: true }, macFacts(), "secureHardwarePresent", "PASS"],
  ["no Secure Enclave", { ...mac, secureHardwarePresent: true }, macFacts({ security: { secure_enclave_present: false } }), "secureHardwarePresent", "FAIL", /Secure Enclave/],
  ["TPM on Windows", { ...win, secureHardwarePresent: true }, windowsFacts(), "secureHardwarePresent", "PASS"],
  ["no TPM on Linux", { ...linux, secureHardwarePresent: true }, linuxFacts({ security: { tpm_present: false } }), "secureHardwarePresent", "FAIL", /TPM/],
  ["TPM unknown", { ...win, secureHardwarePresent: true }, windowsFacts({ security: { tpm_present: null } }), "secureHardwarePresent", "UNKNOWN"],
  // firewallEnabled, secureBootEnabled
  ["firewall on", { ...linux, firewallEnabled: true }, linuxFacts(), "firewallEnabled", "PASS"],
  ["firewall off", { ...linux, firewallEnabled: true }, linuxFacts({ network: { firewall_enabled: false } }), "firewallEnabled", "FAIL", /firewall is off/],
  ["firewall unknown", { ...mac, firewallEnabled: true }, macFacts({ network: { firewall_enabled: null } }), "firewallEnabled", "UNKNOWN"],
  ["secure boot on", { ...win, secureBootEnabled: true }, windowsFacts(), "secureBootEnabled", "PASS"],
  ["secure boot off", { ...win, secureBootEnabled: true }, windowsFacts({ security: { secure_boot: false } }), "secureBootEnabled", "FAIL"],
  ["secure boot unknown", { ...linux, secureBootEnabled: true }, linuxFacts({ security: { secure_boot: null } }), "secureBootEnabled", "UNKNOWN"],
  // platform
  ["a Windows device against a MACOS policy", mac, windowsFacts(), "platform", "FAIL", /applies to MACOS/],
  ["an unknown OS family", mac, macFacts({ os: { family: null } }), "platform", "UNKNOWN"],
];

describe("each policy field, checked against facts", () => {
  for (const [what, body, facts, check, expected, message] of rows) {
    test(`${check}: ${what} → ${expected}`, () => {
      const found = statusOf(body, facts, check);
      assert.equal(found.status, expected, found.message ?? "");
      if (message) assert.match(found.message ?? "", message);
      if (expected === "PASS") assert.equal(found.message, null);
    });
  }

  test("fields set to false or left out add no check", () => {
    const evaluation = evaluatePolicy(inputOf(policyOf({ ...mac, secureHardwarePresent: false, firewallEnabled: false }), macFacts()));
    assert.deepEqual(evaluation.checks.map((c) => c.check), ["platform"]);
    assert.equal(evaluation.result, "PASS");
  });

  test("a policy for another platform is reported as not applicable", () => {
    const evaluation = evaluatePolicy(inputOf(policyOf({ ...win, firewallEnabled: true }), macFacts()));
    assert.equal(evaluation.applicable, false);
    assert.equal(evaluation.passing, false);
  });

  test("an unknown check quotes the agent's reason", () => {
    const found = statusOf({ ...mac, firewallEnabled: true }, macFacts({ network: { firewall_enabled: null } }), "firewallEnabled", { "network.firewall_enabled": "socketfilterfw: permission denied" });
    assert.match(found.message ?? "", /socketfilterfw: permission denied/);
  });
});

describe("results across checks", () => {
  const strict = { ...mac, firewallEnabled: true, secureBootEnabled: true };

  test("all checks passing → PASS", () => {
    const e = evaluatePolicy(inputOf(policyOf(strict), macFacts()));
    assert.equal(e.result, "PASS");
    assert.equal(e.passing, true);
  });

  test("one failing check → FAIL, not passing", () => {
    const e = evaluatePolicy(inputOf(policyOf(strict), macFacts({ network: { firewall_enabled: false } })));
    assert.equal(e.result, "FAIL");
    assert.equal(e.passing, false);
  });

  test("an unknown check is not a pass by default", () => {
    const e = evaluatePolicy(inputOf(policyOf(strict), macFacts({ security: { secure_boot: null } })));
    assert.equal(e.result, "UNKNOWN");
    assert.equal(e.passing, false);
  });

  test("unknownAs PASS lets an unknown check through, still reported UNKNOWN", () => {
    const e = evaluatePolicy(inputOf(policyOf({ ...strict, unknownAs: "PASS" }), macFacts({ security: { secure_boot: null } })));
    assert.equal(e.result, "UNKNOWN");
    assert.equal(e.passing, true);
  });

  test("unknownAs PASS does not soften a failure", () => {
    const e = evaluatePolicy(inputOf(policyOf({ ...strict, unknownAs: "PASS" }), macFacts({ security: { secure_boot: null }, network: { firewall_enabled: false } })));
    assert.equal(e.result, "FAIL");
    assert.equal(e.passing, false);
  });

  test("a device that never reported is UNKNOWN on every requirement", () => {
    const e = evaluatePolicy(inputOf(policyOf(strict), null));
    assert.equal(e.result, "UNKNOWN");
    assert.equal(e.passing, false);
    assert.equal(e.factsAge, null);
    assert.ok(e.checks.some((c) => c.check === "facts" && c.status === "UNKNOWN"));
  });
});

describe("fact freshness (maxFactAge)", () => {
  const policy = policyOf({ ...mac, firewallEnabled: true, maxFactAge: "PT1H" });
  const now = Date.parse("2025-11-20T12:00:00Z");

  test("facts younger than maxFactAge are used", () => {
    const e = evaluatePolicy(inputOf(policy, macFacts(), { now, collectedAt: now - 59 * 60_000 }));
    assert.equal(e.result, "PASS");
    assert.equal(e.factsAge, 59 * 60);
  });

  test("facts older than maxFactAge make every check UNKNOWN", () => {
    const e = evaluatePolicy(inputOf(policy, macFacts(), { now, collectedAt: now - 61 * 60_000 }));
    assert.equal(e.result, "UNKNOWN");
    assert.equal(e.passing, false);
    assert.equal(e.checks.find((c) => c.check === "firewallEnabled")?.status, "UNKNOWN");
    assert.match(e.checks.find((c) => c.check === "maxFactAge")?.message ?? "", /has not reported for 61 minutes/);
  });

  test("without maxFactAge, the connector's default limit applies", () => {
    const open = policyOf({ ...mac, firewallEnabled: true });
    const fresh = evaluatePolicy({ ...inputOf(open, macFacts(), { now, collectedAt: now - 23 * 3600_000 }), defaultMaxFactAge: "PT24H" });
    assert.equal(fresh.result, "PASS");
    const week = evaluatePolicy({ ...inputOf(open, macFacts(), { now, collectedAt: now - 7 * 24 * 3600_000 }), defaultMaxFactAge: "PT24H" });
    assert.equal(week.passing, false);
    assert.equal(week.result, "UNKNOWN");
    assert.match(week.checks.find((c) => c.check === "maxFactAge")?.message ?? "", /has not reported for 7 days/);
  });

  test("stale facts do not move grace state", () => {
    const e = evaluatePolicy(inputOf(policy, macFacts({ network: { firewall_enabled: false } }), { now, collectedAt: now - 2 * 3600_000 }));
    assert.equal(e.stateUpdates.has("firewallEnabled"), false);
  });
});

describe("nothing current to judge never passes, whatever unknownAs says", () => {
  const lenient = policyOf({ ...mac, firewallEnabled: true, unknownAs: "PASS", maxFactAge: "PT1H" });
  const now = Date.parse("2025-11-20T12:00:00Z");

  test("a device that never reported", () => {
    const e = evaluatePolicy(inputOf(lenient, null, { now, collectedAt: null }));
    assert.equal(e.passing, false);
    assert.equal(e.result, "UNKNOWN");
  });

  test("a device whose operating system is unknown", () => {
    const e = evaluatePolicy(inputOf(lenient, { ...macFacts(), os: null }, { now, collectedAt: now, unknown: { os: "sw_vers failed" } }));
    assert.equal(e.passing, false);
  });

  test("stale facts", () => {
    const e = evaluatePolicy(inputOf(lenient, macFacts(), { now, collectedAt: now - 2 * 3600_000 }));
    assert.equal(e.passing, false);
  });

  test("an ordinary unknown check still follows unknownAs", () => {
    const e = evaluatePolicy(inputOf(lenient, macFacts({ network: { firewall_enabled: null } }), { now, collectedAt: now }));
    assert.equal(e.result, "UNKNOWN");
    assert.equal(e.passing, true);
  });

});

test("a check result serves its keys in the API's order, with `cause` only when the check set one", () => {
  const evaluation = evaluatePolicy(inputOf(policyOf({ ...linux, firewallEnabled: true, customChecks: [{ name: "broken", expression: "facts.os.name", message: "m" }] }), linuxFacts()));
  const keys = (check: string) => Object.keys(evaluation.checks.find((c) => c.check === check)!);
  const served = ["check", "status", "observed", "expected", "message", "remediation", "firstFailedAt", "lastPassedAt", "graceUntil"];
  assert.deepEqual(keys("firewallEnabled"), served);
  assert.deepEqual(keys("custom:broken"), [...served.slice(0, 6), "cause", ...served.slice(6)]);
});
