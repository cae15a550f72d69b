import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parsePolicyBody } from "./parse.ts";

const mac = { name: "Mac baseline", platform: "MACOS" };
const win = { name: "Windows baseline", platform: "WINDOWS" };

describe("policy fields accepted as Okta spells them", () => {
  const valid: [string, Record<string, unknown>][] = [
    ["name and platform only", mac],
    ["LINUX, Facet's platform", { name: "l", platform: "LINUX" }],
    ["osVersion.minimum on MACOS", { ...mac, osVersion: { minimum: "14.6.1" } }],
    ["dynamic MINIMUM with distanceFromLatestMajor 1", { ...mac, osVersion: { dynamicVersionRequirement: { type: "MINIMUM", distanceFromLatestMajor: 1, latestSecurityPatch: true } } }],
    ["dynamic EXACT with distance 0", { ...mac, osVersion: { dynamicVersionRequirement: { type: "EXACT", distanceFromLatestMajor: 0 } } }],
    ["dynamic EXACT_ANY_SUPPORTED with latestSecurityPatch", { ...mac, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } }],
    ["four-component osVersion.minimum on WINDOWS", { ...win, osVersion: { minimum: "10.0.22631.4037" } }],
    [
      "WINDOWS_11 dynamic and WINDOWS_10 NOT_ALLOWED",
      { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", dynamicVersionRequirement: { type: "MINIMUM", distanceFromLatestMajor: 1, latestSecurityPatch: true } }, { majorVersionConstraint: "WINDOWS_10", dynamicVersionRequirement: { type: "NOT_ALLOWED" } }] },
    ],
    ["WINDOWS_10 static minimum", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_10", minimum: "10.0.19045.6456" }] }],
    ["diskEncryptionType ALL_INTERNAL_VOLUMES", { ...mac, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }],
    ["screenLockType PASSCODE and BIOMETRIC", { ...mac, screenLockType: { include: ["PASSCODE", "BIOMETRIC"] } }],
    ["secureHardwarePresent", { ...mac, secureHardwarePresent: true }],
    ["grace BY_DURATION P30D", { ...mac, gracePeriod: { type: "BY_DURATION", expiry: "P30D" }, displayRemediationMode: "SHOW" }],
    ["grace BY_DATE_TIME with offset", { ...mac, gracePeriod: { type: "BY_DATE_TIME", expiry: "2026-01-31T17:00:00Z" }, displayRemediationMode: "HIDE" }],
    ["Facet additions", { ...mac, firewallEnabled: true, secureBootEnabled: true, maxFactAge: "PT24H", unknownAs: "PASS" }],
    ["a custom check", { ...mac, customChecks: [{ name: "apple-only", expression: 'facts.hardware.manufacturer.startsWith("Apple")', message: "Only Apple devices", remediation: "Use a company Mac" }] }],
    ["Okta's read-only fields, as a GET returns them", { ...mac, id: "dae3m8o4rWhwReDeM1c5", createdDate: "2025-01-01T00:00:00.000Z", lastUpdate: "x", createdBy: "u", lastUpdatedBy: "u", _links: { self: {} } }],
  ];
  for (const [what, body] of valid) {
    test(`accepts ${what}`, () => {
      const parsed = parsePolicyBody(body);
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.message);
    });
  }

  test("drops read-only fields rather than storing them", () => {
    const parsed = parsePolicyBody({ ...mac, id: "other", _links: {} });
    assert.ok(parsed.ok);
    assert.equal("id" in parsed.body, false);
    assert.equal("_links" in parsed.body, false);
  });
});

describe("invalid policies are a 400 that names the field", () => {
  const invalid: [string, unknown, string, RegExp][] = [
    ["not an object", [1], "(policy)", /object/],
    ["no name", { platform: "MACOS" }, "name", /./],
    ["an empty name", { ...mac, name: "  " }, "name", /./],
    ["an unknown platform", { name: "x", platform: "SOLARIS" }, "platform", /./],
    ["a mobile-only field (jailbreak)", { ...mac, jailbreak: false }, "(policy)", /unsupported field\(s\): jailbreak/],
    ["a misspelt field", { ...mac, diskEncryption: {} }, "(policy)", /diskEncryption/],
    ["minimum with a dynamic requirement (Okta)", { ...mac, osVersion: { minimum: "14.0", dynamicVersionRequirement: { type: "MINIMUM" } } }, "osVersion", /not both/],
    ["an empty osVersion", { ...mac, osVersion: {} }, "osVersion", /needs minimum or dynamicVersionRequirement/],
    ["distanceFromLatestMajor with EXACT_ANY_SUPPORTED (Okta)", { ...mac, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", distanceFromLatestMajor: 1 } } }, "osVersion.dynamicVersionRequirement.distanceFromLatestMajor", /EXACT_ANY_SUPPORTED/],
    ["distanceFromLatestMajor 2 (Okta allows 0..1)", { ...mac, osVersion: { dynamicVersionRequirement: { type: "MINIMUM", distanceFromLatestMajor: 2 } } }, "osVersion.dynamicVersionRequirement.distanceFromLatestMajor", /./],
    ["an unknown dynamic type", { ...mac, osVersion: { dynamicVersionRequirement: { type: "LATEST" } } }, "osVersion.dynamicVersionRequirement.type", /./],
    ["NOT_ALLOWED outside osVersionConstraints", { ...mac, osVersion: { dynamicVersionRequirement: { type: "NOT_ALLOWED" } } }, "osVersion.dynamicVersionRequirement.type", /./],
    ["a malformed minimum", { ...mac, osVersion: { minimum: "fourteen" } }, "osVersion.minimum", /dotted version/],
    ["a four-component minimum on MACOS", { ...mac, osVersion: { minimum: "14.6.1.2" } }, "osVersion.minimum", /at most three/],
    ["a three-component minimum on WINDOWS", { ...win, osVersion: { minimum: "10.0.22631" } }, "osVersion.minimum", /four components/],
    ["a dynamic osVersion on WINDOWS", { ...win, osVersion: { dynamicVersionRequirement: { type: "MINIMUM" } } }, "osVersion.dynamicVersionRequirement", /osVersionConstraints/],
    ["osVersion and osVersionConstraints together on WINDOWS", { ...win, osVersion: { minimum: "10.0.22631.1" }, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", minimum: "10.0.22631.1" }] }, "osVersion", /not both/],
    ["osVersionConstraints on MACOS", { ...mac, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", minimum: "10.0.22631.1" }] }, "osVersionConstraints", /WINDOWS only/],
    ["a Windows major listed twice", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", minimum: "10.0.22631.1" }, { majorVersionConstraint: "WINDOWS_11", minimum: "10.0.26100.1" }] }, "osVersionConstraints[1].majorVersionConstraint", /more than one/],
    ["a constraint with minimum and dynamic", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", minimum: "10.0.22631.1", dynamicVersionRequirement: { type: "MINIMUM" } }] }, "osVersionConstraints[0]", /not both/],
    ["a constraint with neither", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11" }] }, "osVersionConstraints[0]", /needs minimum or dynamicVersionRequirement/],
    ["NOT_ALLOWED with latestSecurityPatch", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", minimum: "10.0.22631.1" }, { majorVersionConstraint: "WINDOWS_10", dynamicVersionRequirement: { type: "NOT_ALLOWED", latestSecurityPatch: true } }] }, "osVersionConstraints[1].dynamicVersionRequirement", /NOT_ALLOWED takes no/],
    ["EXACT_ANY_SUPPORTED with a distance in a constraint", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", distanceFromLatestMajor: 0 } }] }, "osVersionConstraints[0].dynamicVersionRequirement.distanceFromLatestMajor", /EXACT_ANY_SUPPORTED/],
    ["every major NOT_ALLOWED", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_10", dynamicVersionRequirement: { type: "NOT_ALLOWED" } }] }, "osVersionConstraints", /could never pass/],
    ["a Windows 10 build as the WINDOWS_11 minimum", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", minimum: "10.0.19045.1" }] }, "osVersionConstraints[0].minimum", /is Windows 10/],
    ["a Windows 11 build as the WINDOWS_10 minimum", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_10", minimum: "10.0.26100.1" }] }, "osVersionConstraints[0].minimum", /is Windows 11/],
    ["WINDOWS_12", { ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_12", minimum: "10.0.26100.1" }] }, "osVersionConstraints[0].majorVersionConstraint", /./],
    ["another disk encryption type", { ...mac, diskEncryptionType: { include: ["USER"] } }, "diskEncryptionType.include[0]", /./],
    ["an empty screen lock list", { ...mac, screenLockType: { include: [] } }, "screenLockType.include", /./],
    ["a screen lock type twice", { ...mac, screenLockType: { include: ["PASSCODE", "PASSCODE"] } }, "screenLockType.include", /twice/],
    ["a non-boolean secureHardwarePresent", { ...mac, secureHardwarePresent: "yes" }, "secureHardwarePresent", /./],
    ["a grace duration that is not ISO-8601", { ...mac, gracePeriod: { type: "BY_DURATION", expiry: "30 days" } }, "gracePeriod.expiry", /ISO-8601 duration/],
    ["a zero grace duration", { ...mac, gracePeriod: { type: "BY_DURATION", expiry: "P0D" } }, "gracePeriod.expiry", /positive/],
    ["a grace longer than a year", { ...mac, gracePeriod: { type: "BY_DURATION", expiry: "P400D" } }, "gracePeriod.expiry", /P365D/],
    ["a grace date without an offset", { ...mac, gracePeriod: { type: "BY_DATE_TIME", expiry: "2026-01-31T17:00:00" } }, "gracePeriod.expiry", /offset/],
    ["a grace date that is not a date", { ...mac, gracePeriod: { type: "BY_DATE_TIME", expiry: "P30D" } }, "gracePeriod.expiry", /date-time/],
    ["an unknown grace type", { ...mac, gracePeriod: { type: "FOREVER", expiry: "P1D" } }, "gracePeriod.type", /./],
    ["an unknown remediation mode", { ...mac, displayRemediationMode: "MAYBE" }, "displayRemediationMode", /./],
    ["a maxFactAge that is not a duration", { ...mac, maxFactAge: "1 day" }, "maxFactAge", /ISO-8601/],
    ["a maxFactAge under a minute", { ...mac, maxFactAge: "PT10S" }, "maxFactAge", /between/],
    ["an unknown unknownAs", { ...mac, unknownAs: "MAYBE" }, "unknownAs", /./],
    ["a non-boolean firewallEnabled", { ...mac, firewallEnabled: 1 }, "firewallEnabled", /./],
    ["a custom check name used twice", { ...mac, customChecks: [{ name: "a", expression: "true", message: "m" }, { name: "A", expression: "true", message: "m" }] }, "customChecks[1].name", /used twice/],
    ["a custom check without a message", { ...mac, customChecks: [{ name: "a", expression: "true" }] }, "customChecks[0].message", /./],
    ["a custom check that does not parse", { ...mac, customChecks: [{ name: "a", expression: "facts.os.version ==", message: "m" }] }, "customChecks[0].expression", /./],
    ["a custom check that is not a bool", { ...mac, customChecks: [{ name: "a", expression: '"yes"', message: "m" }] }, "customChecks[0].expression", /must return a bool/],
    ["a custom check over an undeclared variable", { ...mac, customChecks: [{ name: "a", expression: 'device.name == "x"', message: "m" }] }, "customChecks[0].expression", /./],
  ];
  for (const [what, body, path, message] of invalid) {
    test(`rejects ${what}`, () => {
      const parsed = parsePolicyBody(body);
      assert.equal(parsed.ok, false, `expected ${what} to be rejected`);
      if (parsed.ok) return;
      assert.equal(parsed.code, "invalid_policy");
      const issue = parsed.issues.find((i) => i.path === path);
      assert.ok(issue, `no issue at ${path}; got ${JSON.stringify(parsed.issues)}`);
      assert.match(issue.message, message);
      assert.match(parsed.message, /^invalid policy: /);
    });
  }

  for (const platform of ["IOS", "ANDROID", "CHROMEOS"]) {
    test(`rejects ${platform} with "no agent for this platform"`, () => {
      const parsed = parsePolicyBody({ name: "phones", platform, jailbreak: false });
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.code, "unsupported_platform");
      assert.match(parsed.message, /no agent for this platform: /);
    });
  }
});
