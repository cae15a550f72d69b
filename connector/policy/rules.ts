/**
 * Okta's rules on which policy field combinations are invalid, plus the ones Facet adds for its
 * own fields. Each broken rule is one issue with the path to fix and a sentence saying how;
 * `parse.ts` turns them into a 400.
 */
import type { z } from "zod";
import { DateTime, Duration } from "luxon";
import type { PolicyBody } from "./schema.ts";

/** The longest grace period and fact age a policy may set. */
export const MAX_GRACE = Duration.fromObject({ days: 365 });
export const MAX_FACT_AGE = Duration.fromObject({ days: 365 });
export const MIN_FACT_AGE = Duration.fromObject({ minutes: 1 });

/** Windows 11 builds start at 22000; anything below is Windows 10. */
export const FIRST_WINDOWS_11_BUILD = 22000;

type Ctx = z.core.$RefinementCtx<PolicyBody>;

function issue(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}

/** A positive ISO-8601 duration no longer than `max`, or null. */
export function parseIsoDuration(text: string): Duration | null {
  const duration = Duration.fromISO(text);
  return duration.isValid && duration.toMillis() > 0 ? duration : null;
}

/** An ISO-8601 date-time that names its offset (a deadline must not depend on the server's zone). */
export function parseIsoDeadline(text: string): DateTime | null {
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return null;
  const at = DateTime.fromISO(text, { setZone: true });
  return at.isValid ? at : null;
}

export function checkOktaRules(policy: PolicyBody, ctx: Ctx): void {
  checkOsVersion(policy, ctx);
  checkWindowsConstraints(policy, ctx);
  checkGracePeriod(policy, ctx);
  checkFacetFields(policy, ctx);
}

function checkOsVersion(policy: PolicyBody, ctx: Ctx): void {
  const os = policy.osVersion;
  if (!os) return;
  if (os.minimum !== undefined && os.dynamicVersionRequirement !== undefined)
    issue(ctx, ["osVersion"], "set either osVersion.minimum or osVersion.dynamicVersionRequirement, not both");
  if (os.minimum === undefined && os.dynamicVersionRequirement === undefined)
    issue(ctx, ["osVersion"], "osVersion needs minimum or dynamicVersionRequirement");
  const dynamic = os.dynamicVersionRequirement;
  if (dynamic?.type === "EXACT_ANY_SUPPORTED" && dynamic.distanceFromLatestMajor !== undefined)
    issue(ctx, ["osVersion", "dynamicVersionRequirement", "distanceFromLatestMajor"], "distanceFromLatestMajor cannot be set with type EXACT_ANY_SUPPORTED");

  if (policy.platform === "WINDOWS") {
    if (dynamic)
      issue(ctx, ["osVersion", "dynamicVersionRequirement"], "on WINDOWS, dynamic version requirements go in osVersionConstraints[] per WINDOWS_10 / WINDOWS_11");
    if (os.minimum !== undefined && os.minimum.split(".").length !== 4)
      issue(ctx, ["osVersion", "minimum"], "a WINDOWS minimum has four components, e.g. 10.0.22631.4037");
    if (policy.osVersionConstraints)
      issue(ctx, ["osVersion"], "set either osVersion or osVersionConstraints on WINDOWS, not both");
  }
  if (policy.platform === "MACOS" && os.minimum !== undefined && os.minimum.split(".").length > 3)
    issue(ctx, ["osVersion", "minimum"], "a MACOS minimum has at most three components, e.g. 14.6.1");
}

function checkWindowsConstraints(policy: PolicyBody, ctx: Ctx): void {
  const constraints = policy.osVersionConstraints;
  if (!constraints) return;
  if (policy.platform !== "WINDOWS") {
    issue(ctx, ["osVersionConstraints"], `osVersionConstraints apply to WINDOWS only; use osVersion on ${policy.platform}`);
    return;
  }
  const seen = new Set<string>();
  constraints.forEach((c, i) => {
    const at = ["osVersionConstraints", i];
    if (seen.has(c.majorVersionConstraint)) issue(ctx, [...at, "majorVersionConstraint"], `${c.majorVersionConstraint} has more than one constraint`);
    seen.add(c.majorVersionConstraint);
    const dynamic = c.dynamicVersionRequirement;
    if (c.minimum !== undefined && dynamic !== undefined) issue(ctx, at, "set either minimum or dynamicVersionRequirement, not both");
    if (c.minimum === undefined && dynamic === undefined) issue(ctx, at, "a constraint needs minimum or dynamicVersionRequirement");
    if (dynamic?.type === "NOT_ALLOWED" && (dynamic.distanceFromLatestMajor !== undefined || dynamic.latestSecurityPatch !== undefined))
      issue(ctx, [...at, "dynamicVersionRequirement"], "NOT_ALLOWED takes no distanceFromLatestMajor or latestSecurityPatch");
    if (dynamic?.type === "EXACT_ANY_SUPPORTED" && dynamic.distanceFromLatestMajor !== undefined)
      issue(ctx, [...at, "dynamicVersionRequirement", "distanceFromLatestMajor"], "distanceFromLatestMajor cannot be set with type EXACT_ANY_SUPPORTED");
    if (c.minimum !== undefined) checkWindowsMinimum(c.majorVersionConstraint, c.minimum, [...at, "minimum"], ctx);
  });
  if (constraints.every((c) => c.dynamicVersionRequirement?.type === "NOT_ALLOWED"))
    issue(ctx, ["osVersionConstraints"], "every Windows version is NOT_ALLOWED: the policy could never pass");
}

function checkWindowsMinimum(major: string, minimum: string, path: (string | number)[], ctx: Ctx): void {
  const parts = minimum.split(".").map(Number);
  if (parts.length !== 4 || parts[0] !== 10 || parts[1] !== 0) {
    issue(ctx, path, "a Windows minimum looks like 10.0.<build>.<revision>, e.g. 10.0.22631.4037");
    return;
  }
  const isWindows11 = parts[2]! >= FIRST_WINDOWS_11_BUILD;
  if (major === "WINDOWS_11" && !isWindows11) issue(ctx, path, `build ${parts[2]} is Windows 10, not WINDOWS_11 (Windows 11 builds start at ${FIRST_WINDOWS_11_BUILD})`);
  if (major === "WINDOWS_10" && isWindows11) issue(ctx, path, `build ${parts[2]} is Windows 11, not WINDOWS_10`);
}

function checkGracePeriod(policy: PolicyBody, ctx: Ctx): void {
  const grace = policy.gracePeriod;
  if (!grace) return;
  if (grace.type === "BY_DURATION") {
    const duration = parseIsoDuration(grace.expiry);
    if (!duration) issue(ctx, ["gracePeriod", "expiry"], "BY_DURATION expects a positive ISO-8601 duration such as P30D");
    else if (duration.toMillis() > MAX_GRACE.toMillis()) issue(ctx, ["gracePeriod", "expiry"], "a grace period is at most P365D");
  } else if (!parseIsoDeadline(grace.expiry)) {
    issue(ctx, ["gracePeriod", "expiry"], "BY_DATE_TIME expects an ISO-8601 date-time with an offset, e.g. 2026-01-31T17:00:00Z");
  }
}

function checkFacetFields(policy: PolicyBody, ctx: Ctx): void {
  if (policy.maxFactAge !== undefined) {
    const age = parseIsoDuration(policy.maxFactAge);
    if (!age) issue(ctx, ["maxFactAge"], "maxFactAge expects a positive ISO-8601 duration such as PT24H");
    else if (age.toMillis() < MIN_FACT_AGE.toMillis() || age.toMillis() > MAX_FACT_AGE.toMillis())
      issue(ctx, ["maxFactAge"], "maxFactAge is between PT1M and P365D");
  }
  const include = policy.screenLockType?.include;
  if (include && new Set(include).size !== include.length) issue(ctx, ["screenLockType", "include"], "screenLockType.include lists a type twice");
  const names = new Set<string>();
  policy.customChecks?.forEach((check, i) => {
    const key = check.name.toLowerCase();
    if (names.has(key)) issue(ctx, ["customChecks", i, "name"], `custom check name "${check.name}" is used twice`);
    names.add(key);
  });
}
