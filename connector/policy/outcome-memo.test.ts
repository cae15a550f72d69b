/** Checks' outcomes kept between evaluations never answer differently from checking again. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Facts } from "../../shared/facts/schema.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { CheckOutcomeMemo } from "./outcome-memo.ts";
import { inputOf, linuxFacts, macFacts, policyOf, redatedCatalog, TEST_CATALOG, windowsFacts } from "../../test/support/policy/fixtures.ts";

const DAY = 86_400_000;
/** One unknown map per document, as a stored snapshot has: a new one would be another input. */
const unknown = {};

/**
 * TEST_CATALOG with releases coming out and going out of support inside the instants below, and a
 * Linux confirmation dated ahead by more than a time zone until a mid-day instant.
 */
const moving = redatedCatalog("2025-11-14", (c) => {
  const ubuntu = c.linux.find((d) => d.id === "ubuntu")!;
  ubuntu.releases.find((r) => r.version === "24.04")!.endOfSupport = "2025-11-25";
  ubuntu.releases.find((r) => r.version === "25.04")!.released = "2025-11-23";
  c.macos.find((r) => r.major === 15)!.endOfSupport = "2025-11-26";
  c.windows.find((r) => r.build === 22631)!.endOfSupport = "2025-11-27";
  c.windows.find((r) => r.build === 26100)!.updates.push({ date: "2025-11-28", ubr: 7200, kb: "KB0000001" });
  c.sources = { ...c.sources!, linux: { from: "test", confirmedAt: "2025-11-22T10:00:00.000Z" } };
});

const custom = { customChecks: [{ name: "host", expression: 'facts.network.hostname.startsWith("lt-")', message: "not a company laptop" }] };
const policies = [
  policyOf({ name: "linux", platform: "LINUX", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } }, diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] }, ...custom }),
  policyOf({ name: "linux latest", platform: "LINUX", osVersion: { dynamicVersionRequirement: { type: "MINIMUM", distanceFromLatestMajor: 0 } }, firewallEnabled: true }),
  policyOf({ name: "mac", platform: "MACOS", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } }, screenLockType: { include: ["PASSCODE"] } }),
  policyOf({ name: "win", platform: "WINDOWS", osVersionConstraints: [{ majorVersionConstraint: "WINDOWS_11", dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } }] }),
];
const documents: Facts[] = [
  linuxFacts(),
  linuxFacts({ os: { version: "25.04 (Plucky Puffin)" }, network: { hostname: "lt-1" } }),
  linuxFacts({ os: { patch: { pending_security_updates: 2 } } }),
  macFacts(),
  macFacts({ os: { version: "26.1" } }),
  windowsFacts(),
  windowsFacts({ os: { build: "10.0.22631.6199" } }),
];

test("outcomes kept per facts document and policy equal fresh ones at every instant, in any order", () => {
  const midnights = Array.from({ length: 20 }, (_, i) => Date.parse("2025-11-18T00:00:00Z") + i * DAY);
  const trustedFrom = Date.parse("2025-11-21T10:00:00.000Z");
  const instants = [...midnights.flatMap((m) => [m - 1, m, m + 1, m + DAY / 2]), trustedFrom - 1, trustedFrom, Date.parse("2025-12-29T23:59:59.999Z"), Date.parse("2025-12-30T00:00:00Z")];
  const shuffled = instants.map((_, i) => instants[(i * 7919) % instants.length]!);
  let kept = 0;
  for (const catalog of [TEST_CATALOG, moving]) {
    const memo = new CheckOutcomeMemo();
    for (const now of [...instants, ...[...instants].reverse(), ...shuffled]) {
      for (const policy of policies) {
        for (const facts of documents) {
          const input = inputOf(policy, facts, { now, catalog, unknown });
          assert.deepEqual(evaluatePolicy({ ...input, outcomes: memo }), evaluatePolicy(input), `${policy.name} at ${new Date(now).toISOString()}`);
          kept += evaluatePolicy({ ...input, outcomes: memo }).checks.some((c, i) => i > 0 && c.observed !== null && typeof c.observed === "object" && c.observed === evaluatePolicy({ ...input, outcomes: memo }).checks[i]!.observed) ? 1 : 0;
        }
      }
    }
  }
  // The comparisons above were with held outcomes, not only fresh ones.
  assert.ok(kept > 0);
});

test("an outcome is kept for the same document, policy and day, and not for another document", () => {
  const memo = new CheckOutcomeMemo();
  const policy = policies[0]!;
  const facts = linuxFacts({ network: { hostname: "lt-1" } });
  const observed = (f: Facts, now: number) => evaluatePolicy({ ...inputOf(policy, f, { now, unknown }), outcomes: memo }).checks.find((c) => c.check === "diskEncryptionType")!.observed;
  const now = Date.parse("2025-11-20T12:00:00Z");
  assert.equal(observed(facts, now), observed(facts, now + 1000));
  assert.notEqual(observed(facts, now), observed(linuxFacts({ network: { hostname: "lt-1" } }), now));
  assert.notEqual(observed(facts, now), observed(facts, now + DAY));
});
