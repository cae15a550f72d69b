/**
 * Evaluates one device against one policy: a pure function of (policy, facts, unknown, fact age,
 * catalog, now, stored check state). The caller stores `stateUpdates` and records events.
 *
 * Result, per check statuses after freshness and grace:
 * - any FAIL outside grace                 → FAIL, not passing
 * - no facts, stale facts or an unknown OS → UNKNOWN, not passing, whatever `unknownAs` says: with
 *                                            nothing current to judge, `unknownAs: PASS` would pass
 *                                            any device that stops reporting (or never did)
 * - any UNKNOWN and `unknownAs: FAIL`      → UNKNOWN, not passing (the default: unknown is not a yes)
 * - any FAIL inside grace                  → GRACE, passing (with the messages)
 * - any UNKNOWN and `unknownAs: PASS`      → UNKNOWN, passing
 * - otherwise                              → PASS
 */
import type { Facts } from "../../shared/facts/schema.ts";
import { checkCustom, type CelBudget } from "./checks/custom.ts";
import { checkFirewall, checkSecureBoot, checkSecureHardware } from "./checks/device-security.ts";
import { checkDiskEncryption } from "./checks/disk-encryption.ts";
import { checkOsVersion } from "./checks/os-version/index.ts";
import { unknownReason } from "./checks/outcome.ts";
import { checkScreenLock } from "./checks/screen-lock.ts";
import { CEL_POLICY_BUDGET_MS } from "./cel/compile.ts";
import { graceDeadline } from "./grace.ts";
import { parseIsoDuration } from "./rules.ts";
import type { Platform } from "./schema.ts";
import type { CheckContext, CheckOutcome, CheckResult, CheckState, EvaluationInput, PolicyEvaluation, PolicyResult } from "./types.ts";

/** A facts document with every family unknown: what a device that never reported is checked against. */
export const NO_FACTS: Facts = { os: null, disks: null, network: null, hardware: null, security: null, software: null, processes: null, users: null, groups: null, vendor: null };

const FAMILY_PLATFORM: Record<string, Platform> = { mac_os: "MACOS", windows: "WINDOWS", linux: "LINUX" };

/** How stale a stored `lastPassedAt` may get while a check keeps passing. */
export const LAST_PASSED_RESOLUTION_MS = 15 * 60_000;

/**
 * Instants recently formatted: a device's checks share a few stored times (each set by one
 * evaluation for all its checks) and one grace deadline. Bounded: emptied when full.
 */
const isoTexts = new Map<number, string>();
/**
 * The last four instants formatted, in a ring: one evaluation asks for its own `now`, its stored
 * times and a grace deadline, over and over; comparing a few numbers is cheaper than a Map lookup.
 */
const recentMs = [NaN, NaN, NaN, NaN];
const recentTexts = ["", "", "", ""];
let recentNext = 0;
function iso(ms: number | null): string | null {
  if (ms === null) return null;
  for (let i = 0; i < 4; i++) if (recentMs[i] === ms) return recentTexts[i]!;
  let text = isoTexts.get(ms);
  if (text === undefined) {
    if (isoTexts.size >= 256) isoTexts.clear();
    isoTexts.set(ms, (text = new Date(ms).toISOString()));
  }
  recentMs[recentNext] = ms;
  recentTexts[recentNext] = text;
  recentNext = (recentNext + 1) % 4;
  return text;
}

/** The state of a check never evaluated before. */
const NO_STATE: CheckState = Object.freeze({ firstFailedAt: null, lastPassedAt: null });

function runChecks(ctx: CheckContext): CheckOutcome[] {
  const budget: CelBudget = { remainingMs: CEL_POLICY_BUDGET_MS };
  const outcomes: (CheckOutcome | null)[] = [
    ...checkOsVersion(ctx),
    checkDiskEncryption(ctx),
    checkScreenLock(ctx),
    checkSecureHardware(ctx),
    checkFirewall(ctx),
    checkSecureBoot(ctx),
    ...(ctx.policy.customChecks ?? []).map((custom) => checkCustom(ctx, custom, budget)),
  ];
  return outcomes.filter((o): o is CheckOutcome => o !== null);
}

function platformCheck(input: EvaluationInput, facts: Facts): CheckOutcome {
  const family = facts.os?.family ?? null;
  const expected = input.policy.platform;
  if (family === null)
    return { check: "platform", status: "UNKNOWN", observed: null, expected, message: `Could not determine the operating system: ${unknownReason(input.unknown, "os.family")}`, remediation: null };
  const platform = FAMILY_PLATFORM[family] ?? null;
  return platform === expected
    ? { check: "platform", status: "PASS", observed: family, expected, message: null, remediation: null }
    : { check: "platform", status: "FAIL", observed: family, expected, message: `This policy applies to ${expected} devices; this device runs ${family}.`, remediation: null };
}

/** maxFactAge texts in milliseconds: parsed once per text, not on every sign-in (bounded, as policy edits bring new texts). */
const maxAgeMs = new Map<string, number>();

function maxAgeOf(limit: string): number {
  let ms = maxAgeMs.get(limit);
  if (ms === undefined) {
    ms = parseIsoDuration(limit)!.toMillis();
    if (maxAgeMs.size >= 256) maxAgeMs.clear();
    maxAgeMs.set(limit, ms);
  }
  return ms;
}

/** Facts older than `maxFactAge` (or none at all) cannot vouch for anything: every check becomes UNKNOWN. */
function freshness(input: EvaluationInput, factsAgeMs: number | null): CheckOutcome | null {
  if (factsAgeMs === null)
    return { check: "facts", status: "UNKNOWN", observed: null, expected: "facts reported by the agent", message: "The device has not reported any facts yet.", remediation: "Make sure the Facet agent is running on this device." };
  const limit = input.policy.maxFactAge ?? input.defaultMaxFactAge;
  if (limit === undefined) return null;
  const observed = `PT${Math.round(factsAgeMs / 1000)}S`;
  return factsAgeMs <= maxAgeOf(limit)
    ? { check: "maxFactAge", status: "PASS", observed, expected: limit, message: null, remediation: null }
    : {
        check: "maxFactAge",
        status: "UNKNOWN",
        observed,
        expected: limit,
        message: `The device has not reported for ${describeAge(factsAgeMs)}.`,
        remediation: "Make sure the Facet agent is running and online, then try again.",
      };
}

function describeAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}

/**
 * An outcome with its grace fields, keys in the order the API has always served them (`cause`
 * only when set). Written out rather than spread: this runs for every check of every sign-in.
 */
function checkResult(o: CheckOutcome, firstFailedAt: string | null, lastPassedAt: string | null, graceUntil: string | null): CheckResult {
  return o.cause === undefined
    ? { check: o.check, status: o.status, observed: o.observed, expected: o.expected, message: o.message, remediation: o.remediation, firstFailedAt, lastPassedAt, graceUntil }
    : { check: o.check, status: o.status, observed: o.observed, expected: o.expected, message: o.message, remediation: o.remediation, cause: o.cause, firstFailedAt, lastPassedAt, graceUntil };
}

/** Checks whose UNKNOWN means there is nothing current to judge: never a pass, whatever `unknownAs` says. */
const NOTHING_TO_JUDGE = new Set(["facts", "maxFactAge", "platform"]);

export function evaluatePolicy(input: EvaluationInput): PolicyEvaluation {
  const { policy, now } = input;
  const facts = input.facts ?? NO_FACTS;
  const factsAgeMs = input.collectedAt === null ? null : Math.max(0, now - input.collectedAt);
  const platform = platformCheck(input, facts);
  const ctx: CheckContext = { policy, facts, unknown: input.unknown, catalog: input.catalog, catalogMaxAgeDays: input.catalogMaxAgeDays, now, expressions: input.expressions };

  let outcomes: readonly CheckOutcome[] = platform.status !== "PASS" ? [] : input.outcomes && input.facts !== null ? input.outcomes.outcomes(ctx, () => runChecks(ctx)) : runChecks(ctx);
  const fresh = freshness(input, factsAgeMs);
  if (fresh?.status === "UNKNOWN" && input.facts !== null)
    outcomes = outcomes.map((o) => ({ ...o, status: "UNKNOWN" as const, message: `${fresh.message} (last seen: ${o.status})`, remediation: fresh.remediation }));
  const all = [platform, ...(fresh ? [fresh] : []), ...outcomes];

  const stateUpdates = new Map<string, CheckState>();
  const checks: CheckResult[] = all.map((outcome) => {
    const before = input.state.get(outcome.check) ?? NO_STATE;
    let after = before;
    if (outcome.status === "FAIL" && before.firstFailedAt === null) after = { ...before, firstFailedAt: now };
    // lastPassedAt moves on a recovery and then every LAST_PASSED_RESOLUTION_MS, not on every
    // evaluation: sign-ins of a healthy fleet would otherwise each cost a durable write.
    if (outcome.status === "PASS" && (before.firstFailedAt !== null || before.lastPassedAt === null || now - before.lastPassedAt >= LAST_PASSED_RESOLUTION_MS))
      after = { firstFailedAt: null, lastPassedAt: now };
    if (after !== before && outcome.check !== "platform") stateUpdates.set(outcome.check, after);
    const deadline = outcome.status === "FAIL" && after.firstFailedAt !== null ? graceDeadline(policy.gracePeriod, after.firstFailedAt) : null;
    return checkResult(outcome, iso(after.firstFailedAt), iso(after.lastPassedAt), deadline !== null && now < deadline && outcome.check !== "platform" ? iso(deadline) : null);
  });

  const unknownAs = policy.unknownAs ?? "FAIL";
  const hardFail = checks.some((c) => c.status === "FAIL" && c.graceUntil === null);
  const inGrace = checks.some((c) => c.status === "FAIL" && c.graceUntil !== null);
  const unknown = checks.some((c) => c.status === "UNKNOWN");
  const nothingToJudge = checks.some((c) => c.status === "UNKNOWN" && NOTHING_TO_JUDGE.has(c.check));
  let result: PolicyResult;
  let passing: boolean;
  if (hardFail) [result, passing] = ["FAIL", false];
  else if (nothingToJudge) [result, passing] = ["UNKNOWN", false];
  else if (unknown && unknownAs === "FAIL") [result, passing] = ["UNKNOWN", false];
  else if (inGrace) [result, passing] = ["GRACE", true];
  else if (unknown) [result, passing] = ["UNKNOWN", true];
  else [result, passing] = ["PASS", true];

  return {
    policyId: policy.id,
    policyName: policy.name,
    platform: policy.platform,
    applicable: platform.status !== "FAIL",
    result,
    passing,
    checks,
    factsAge: factsAgeMs === null ? null : Math.round(factsAgeMs / 1000),
    stateUpdates,
  };
}
