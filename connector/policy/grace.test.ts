import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluatePolicy } from "./evaluate.ts";
import { inputOf, macFacts, policyOf } from "../../test/support/policy/fixtures.ts";
import type { CheckState, PolicyEvaluation } from "./types.ts";

const DAY = 86_400_000;
const start = Date.parse("2025-11-20T09:00:00Z");
const failing = macFacts({ network: { firewall_enabled: false } });
const fixed = macFacts();

/** Evaluates like the connector does: carrying the stored check state from one evaluation to the next. */
function clockedDevice(body: Record<string, unknown>) {
  const policy = policyOf(body);
  const state = new Map<string, CheckState>();
  return (now: number, facts = failing): PolicyEvaluation => {
    const evaluation = evaluatePolicy(inputOf(policy, facts, { now, collectedAt: now - 1000, state: new Map(state) }));
    for (const [check, next] of evaluation.stateUpdates) state.set(check, next);
    return evaluation;
  };
}

describe("grace BY_DURATION counts from the first failure", () => {
  const body = { name: "fw", platform: "MACOS", firewallEnabled: true, gracePeriod: { type: "BY_DURATION", expiry: "P7D" } };

  test("a new failure is in grace, passing, with the deadline and the message", () => {
    const e = clockedDevice(body)(start);
    const check = e.checks.find((c) => c.check === "firewallEnabled")!;
    assert.equal(e.result, "GRACE");
    assert.equal(e.passing, true);
    assert.equal(check.firstFailedAt, new Date(start).toISOString());
    assert.equal(check.graceUntil, new Date(start + 7 * DAY).toISOString());
    assert.match(check.message ?? "", /firewall is off/);
  });

  test("grace holds until the duration has passed since the first failure, then fails", () => {
    const device = clockedDevice(body);
    device(start);
    assert.equal(device(start + 3 * DAY).result, "GRACE");
    assert.equal(device(start + 7 * DAY - 1).result, "GRACE");
    const late = device(start + 7 * DAY);
    assert.equal(late.result, "FAIL");
    assert.equal(late.passing, false);
    assert.equal(late.checks.find((c) => c.check === "firewallEnabled")!.firstFailedAt, new Date(start).toISOString());
  });

  test("fixing the device clears firstFailedAt and records lastPassedAt; a later failure gets a fresh window", () => {
    const device = clockedDevice(body);
    device(start);
    const passed = device(start + 8 * DAY, fixed);
    const check = passed.checks.find((c) => c.check === "firewallEnabled")!;
    assert.equal(passed.result, "PASS");
    assert.equal(check.firstFailedAt, null);
    assert.equal(check.lastPassedAt, new Date(start + 8 * DAY).toISOString());
    const again = device(start + 20 * DAY);
    assert.equal(again.result, "GRACE");
    assert.equal(again.checks.find((c) => c.check === "firewallEnabled")!.graceUntil, new Date(start + 27 * DAY).toISOString());
  });

  test("an unknown result neither starts nor ends grace", () => {
    const device = clockedDevice(body);
    device(start);
    const unknown = device(start + DAY, macFacts({ network: { firewall_enabled: null } }));
    assert.equal(unknown.result, "UNKNOWN");
    assert.equal(unknown.stateUpdates.size, 0);
    assert.equal(device(start + 8 * DAY).result, "FAIL");
  });

  test("grace does not cover unknown checks: unknown stays not passing", () => {
    const e = clockedDevice({ ...body, secureBootEnabled: true })(start, macFacts({ network: { firewall_enabled: false }, security: { secure_boot: null } }));
    assert.equal(e.result, "UNKNOWN");
    assert.equal(e.passing, false);
  });

  test("grace per check: a second, newer failure has its own window", () => {
    const device = clockedDevice({ ...body, secureBootEnabled: true });
    device(start);
    const both = device(start + 6 * DAY, macFacts({ network: { firewall_enabled: false }, security: { secure_boot: false } }));
    assert.equal(both.result, "GRACE");
    const later = device(start + 8 * DAY, macFacts({ network: { firewall_enabled: false }, security: { secure_boot: false } }));
    assert.equal(later.result, "FAIL");
    assert.equal(later.checks.find((c) => c.check === "secureBootEnabled")!.graceUntil, new Date(start + 13 * DAY).toISOString());
  });
});

describe("grace BY_DATE_TIME lets failing devices in until the deadline", () => {
  const deadline = "2025-12-01T00:00:00Z";
  const body = { name: "fw", platform: "MACOS", firewallEnabled: true, gracePeriod: { type: "BY_DATE_TIME", expiry: deadline } };

  test("before the deadline → GRACE, even for a failure first seen today", () => {
    const e = clockedDevice(body)(Date.parse("2025-11-30T23:59:59Z"));
    assert.equal(e.result, "GRACE");
    assert.equal(e.checks.find((c) => c.check === "firewallEnabled")!.graceUntil, new Date(deadline).toISOString());
  });

  test("at the deadline → FAIL", () => {
    assert.equal(clockedDevice(body)(Date.parse(deadline)).result, "FAIL");
  });

  test("a deadline with a non-UTC offset is honoured", () => {
    const e = clockedDevice({ ...body, gracePeriod: { type: "BY_DATE_TIME", expiry: "2025-12-01T00:00:00+02:00" } })(Date.parse("2025-11-30T22:30:00Z"));
    assert.equal(e.result, "FAIL");
  });
});

test("without a grace period a failure fails at once", () => {
  const e = clockedDevice({ name: "fw", platform: "MACOS", firewallEnabled: true })(start);
  assert.equal(e.result, "FAIL");
  assert.equal(e.checks.find((c) => c.check === "firewallEnabled")!.graceUntil, null);
});

test("a check that keeps passing moves lastPassedAt only every 15 minutes, so healthy sign-ins write nothing", () => {
  const device = clockedDevice({ name: "fw", platform: "MACOS", firewallEnabled: true });
  const first = device(start, fixed);
  assert.equal(first.stateUpdates.size, 1);
  assert.equal(device(start + 60_000, fixed).stateUpdates.size, 0);
  assert.equal(device(start + 14 * 60_000, fixed).stateUpdates.size, 0);
  const later = device(start + 15 * 60_000, fixed);
  assert.equal(later.stateUpdates.get("firewallEnabled")?.lastPassedAt, start + 15 * 60_000);
});
