/** A stale OS release catalog never lets a dynamic OS requirement pass; fixed minimums do not care. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Facts } from "../../shared/facts/schema.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { CATALOG_NOW, inputOf, linuxFacts, macFacts, policyOf, redatedCatalog, windowsFacts } from "../../test/support/policy/fixtures.ts";
import type { CheckResult, PolicyEvaluation } from "./types.ts";

/** A year after TEST_CATALOG (2025.11.14) was published, its only confirmation. */
const STALE_NOW = Date.parse("2026-11-23T12:00:00Z");
const STALE = /Could not determine the latest OS releases: the (macOS|Windows|Linux) releases in the OS release catalog 2025\.11\.14 were last confirmed against their sources on 2025-11-14, 374 days ago, past the 45-day limit\. An administrator must update it: `facet os-catalog update`.*`facet os-catalog import <file>`/;

const mac = { name: "mac", platform: "MACOS" };
const win = { name: "win", platform: "WINDOWS" };
const linux = { name: "linux", platform: "LINUX" };
const macDynamic = (dynamic: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...mac, osVersion: { dynamicVersionRequirement: dynamic }, ...extra });
const win11 = (w11: Record<string, unknown>) => ({ ...win, osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", ...w11 }, { majorVersionConstraint: "WINDOWS_10", dynamicVersionRequirement: { type: "NOT_ALLOWED" } }] });
const latestPatch = macDynamic({ type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true });

function evaluate(body: Record<string, unknown>, facts: Facts, options: Parameters<typeof inputOf>[2] = {}): PolicyEvaluation {
  return evaluatePolicy(inputOf(policyOf(body), facts, { now: STALE_NOW, ...options }));
}

function osCheck(e: PolicyEvaluation): CheckResult {
  const found = e.checks.find((c) => c.check === "osVersion" || c.check === "osVersionConstraints");
  assert.ok(found, "no OS version check");
  return found;
}

describe("a latest-patch requirement and the catalog's age", () => {
  test("passes with the bundled catalog while it is current", () => {
    const e = evaluate(latestPatch, macFacts(), { now: CATALOG_NOW });
    assert.equal(osCheck(e).status, "PASS");
    assert.equal(e.result, "PASS");
  });

  test("is UNKNOWN, not PASS, a year later, with the catalog's version, age and the import command", () => {
    const e = evaluate(latestPatch, macFacts());
    const check = osCheck(e);
    assert.equal(check.status, "UNKNOWN");
    assert.match(check.message ?? "", STALE);
    assert.equal(check.cause, "os_catalog_stale");
    // Policies keep deciding what UNKNOWN means: not passing by default…
    assert.deepEqual([e.result, e.passing], ["UNKNOWN", false]);
    // …and passing only where the policy says so.
    const lenient = evaluate({ ...latestPatch, unknownAs: "PASS" }, macFacts());
    assert.deepEqual([lenient.result, lenient.passing], ["UNKNOWN", true]);
  });

  test("still FAILs a device behind even the old catalog's latest patch", () => {
    const check = osCheck(evaluate(latestPatch, macFacts({ os: { version: "15.7.1" } })));
    assert.equal(check.status, "FAIL");
    assert.match(check.message ?? "", /missing the latest security update \(15\.7\.2/);
    assert.equal(check.cause, undefined);
  });

  test("importing a catalog dated within the window makes it PASS or FAIL again", () => {
    // Synthetic: the bundled releases re-dated, not real 2026 release data.
    const fresh = redatedCatalog("2026-11-20");
    assert.equal(osCheck(evaluate(latestPatch, macFacts(), { catalog: fresh })).status, "PASS");
    const behind = redatedCatalog("2026-11-20", (c) => (c.macos.find((m) => m.major === 15)!.latest = "15.99"));
    assert.equal(osCheck(evaluate(latestPatch, macFacts(), { catalog: behind })).status, "FAIL");
  });

  test("the configured maximum age decides", () => {
    assert.equal(osCheck(evaluate(latestPatch, macFacts(), { catalogMaxAgeDays: 365 })).status, "UNKNOWN");
    assert.equal(osCheck(evaluate(latestPatch, macFacts(), { now: CATALOG_NOW, catalogMaxAgeDays: 5 })).status, "UNKNOWN");
    assert.equal(osCheck(evaluate(latestPatch, macFacts(), { now: CATALOG_NOW, catalogMaxAgeDays: 6 })).status, "PASS");
  });
});

describe("with a stale catalog, every check against 'latest' or 'supported' is UNKNOWN unless it certainly fails", () => {
  // [what, policy, facts, status with the catalog current (CATALOG_NOW), status a year later]
  const rows: [string, Record<string, unknown>, Facts, string, string][] = [
    ["macOS on the newest major, distance 0", macDynamic({ type: "MINIMUM", distanceFromLatestMajor: 0 }), macFacts({ os: { version: "26.1" } }), "PASS", "UNKNOWN"],
    ["macOS two majors behind, distance 1", macDynamic({ type: "MINIMUM", distanceFromLatestMajor: 1 }), macFacts({ os: { version: "14.8.2" } }), "FAIL", "FAIL"],
    ["macOS EXACT above the target major", macDynamic({ type: "EXACT", distanceFromLatestMajor: 1 }), macFacts({ os: { version: "26.1" } }), "FAIL", "UNKNOWN"],
    ["macOS newer than the catalog", macDynamic({ type: "MINIMUM", latestSecurityPatch: true }), macFacts({ os: { version: "27.0" } }), "PASS", "UNKNOWN"],
    ["macOS 14 supported", macDynamic({ type: "EXACT_ANY_SUPPORTED" }), macFacts({ os: { version: "14.8.2" } }), "PASS", "UNKNOWN"],
    ["macOS 13 not supported", macDynamic({ type: "EXACT_ANY_SUPPORTED" }), macFacts({ os: { version: "13.7.8" } }), "FAIL", "FAIL"],
    ["Windows 11 24H2 with the newest UBR", win11({ dynamicVersionRequirement: { type: "MINIMUM", distanceFromLatestMajor: 1, latestSecurityPatch: true } }), windowsFacts(), "PASS", "UNKNOWN"],
    ["Windows 11 24H2 an update behind", win11({ dynamicVersionRequirement: { type: "MINIMUM", distanceFromLatestMajor: 1, latestSecurityPatch: true } }), windowsFacts({ os: { build: "10.0.26100.6899" } }), "FAIL", "FAIL"],
    ["Windows 11 24H2 supported", win11({ dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED" } }), windowsFacts(), "PASS", "UNKNOWN"],
    ["Windows 11 23H2 past its published end of support", win11({ dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED" } }), windowsFacts({ os: { build: "10.0.22631.6199" } }), "PASS", "FAIL"],
    ["Ubuntu newer than the catalog", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED" } } }, linuxFacts({ os: { version: "26.04 LTS" } }), "FAIL", "UNKNOWN"],
    ["Ubuntu 20.04 past its end of support", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED" } } }, linuxFacts({ os: { version: "20.04.6 LTS" } }), "FAIL", "FAIL"],
    ["Ubuntu 24.04 supported", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED" } } }, linuxFacts(), "PASS", "UNKNOWN"],
    ["Ubuntu with pending security updates", { ...linux, osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } }, linuxFacts({ os: { patch: { pending_security_updates: 2 } } }), "FAIL", "FAIL"],
  ];
  for (const [what, body, facts, current, stale] of rows) {
    test(`${what}: ${current} → ${stale}`, () => {
      assert.equal(osCheck(evaluate(body, facts, { now: CATALOG_NOW })).status, current);
      const check = osCheck(evaluate(body, facts));
      assert.equal(check.status, stale, check.message ?? "");
      if (stale === "UNKNOWN") assert.match(check.message ?? "", STALE);
    });
  }
});

describe("checks that do not depend on 'latest' ignore the catalog's age", () => {
  const rows: [string, Record<string, unknown>, Facts, string][] = [
    ["a macOS minimum", { ...mac, osVersion: { minimum: "15.7.2" } }, macFacts(), "PASS"],
    ["a macOS minimum not met", { ...mac, osVersion: { minimum: "15.7.3" } }, macFacts(), "FAIL"],
    ["a Windows minimum", { ...win, osVersion: { minimum: "10.0.26100.7171" } }, windowsFacts(), "PASS"],
    ["a Windows 11 constraint minimum", win11({ minimum: "10.0.26100.7171" }), windowsFacts(), "PASS"],
    ["a Windows major NOT_ALLOWED", win11({ minimum: "10.0.26100.7171" }), windowsFacts({ os: { build: "10.0.19045.6575" } }), "FAIL"],
    ["a Linux minimum", { ...linux, osVersion: { minimum: "24.04" } }, linuxFacts(), "PASS"],
  ];
  for (const [what, body, facts, status] of rows) {
    test(`${what} → ${status}`, () => {
      const e = evaluate(body, facts);
      assert.equal(osCheck(e).status, status, osCheck(e).message ?? "");
      assert.equal(e.result, status);
    });
  }

  test("other checks of the same policy are unaffected", () => {
    const e = evaluate({ ...latestPatch, firewallEnabled: true, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] } }, macFacts());
    assert.deepEqual(e.checks.filter((c) => c.status !== "PASS").map((c) => c.check), ["osVersion"]);
  });
});
