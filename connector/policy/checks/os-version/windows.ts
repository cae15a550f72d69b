/**
 * OS version on WINDOWS: `osVersion.minimum` (four components) or `osVersionConstraints[]`, one
 * per major (WINDOWS_10, WINDOWS_11). As in Okta, a major without a constraint is not allowed.
 * A "major" for dynamic requirements is a feature release (24H2 = build 26100); the patch level is
 * the UBR (the fourth component), compared with the newest cumulative update in the catalog.
 */
import { latestWindowsUpdate, windowsReleases, windowsSupported } from "../../catalog/index.ts";
import { FIRST_WINDOWS_11_BUILD } from "../../rules.ts";
import type { OsVersionConstraint, WindowsMajor } from "../../schema.ts";
import type { CheckContext, CheckOutcome } from "../../types.ts";
import { compareVersions, parseVersion, type Version } from "../../versions.ts";
import { combine, fail, pass, passIfCatalogCurrent, staleCatalogOutcome, unknownOutcome, unknownReason } from "../outcome.ts";

const UPDATE = "Install the latest updates in Settings → Windows Update.";
const MAJOR_NAMES: Record<WindowsMajor, string> = { WINDOWS_10: "Windows 10", WINDOWS_11: "Windows 11" };

/** `10.0.22631.4037` from `os.build`, or `os.version` when the build is missing. */
function windowsVersion(ctx: CheckContext): { raw: string | null; version: Version | null } {
  const raw = ctx.facts.os?.build ?? ctx.facts.os?.version ?? null;
  const version = parseVersion(raw);
  return { raw, version: version && version.length >= 3 ? version : null };
}

export function majorOf(version: Version): WindowsMajor {
  return version[2]! >= FIRST_WINDOWS_11_BUILD ? "WINDOWS_11" : "WINDOWS_10";
}

export function checkWindowsMinimum(ctx: CheckContext): CheckOutcome | null {
  const minimum = ctx.policy.osVersion?.minimum;
  if (minimum === undefined) return null;
  const check = "osVersion";
  const expected = { minimum };
  const { raw, version } = windowsVersion(ctx);
  if (!version) return unknownOutcome(check, expected, "the Windows build", raw === null ? unknownReason(ctx.unknown, "os.build") : `unreadable build "${raw}"`, raw);
  return compareBuild(check, version, raw!, parseVersion(minimum)!, expected, `Windows ${raw} is older than the required ${minimum}.`);
}

/** Compares with a four-component minimum; a missing UBR only matters when the builds are equal. */
function compareBuild(check: string, version: Version, raw: string, minimum: Version, expected: unknown, failure: string): CheckOutcome {
  if (version.length < 4 && version[2] === minimum[2] && (minimum[3] ?? 0) > 0)
    return unknownOutcome(check, expected, "the Windows patch level", `the build "${raw}" has no update revision (UBR)`, raw);
  return compareVersions(version, minimum) >= 0 ? pass(check, raw, expected) : fail(check, raw, expected, failure, `${UPDATE} Windows ${minimum.join(".")} or later is required.`);
}

export function checkWindowsConstraints(ctx: CheckContext): CheckOutcome | null {
  const constraints = ctx.policy.osVersionConstraints;
  if (!constraints) return null;
  const check = "osVersionConstraints";
  const expected = constraints;
  const { raw, version } = windowsVersion(ctx);
  if (!version) return unknownOutcome(check, expected, "the Windows build", raw === null ? unknownReason(ctx.unknown, "os.build") : `unreadable build "${raw}"`, raw);
  const major = majorOf(version);
  const allowed = constraints.filter((c) => c.dynamicVersionRequirement?.type !== "NOT_ALLOWED").map((c) => MAJOR_NAMES[c.majorVersionConstraint]);
  const constraint = constraints.find((c) => c.majorVersionConstraint === major);
  if (!constraint || constraint.dynamicVersionRequirement?.type === "NOT_ALLOWED")
    return fail(check, raw, expected, `${MAJOR_NAMES[major]} is not allowed by this policy.`, `Upgrade to ${allowed.join(" or ")}.`);
  if (constraint.minimum !== undefined)
    return compareBuild(check, version, raw!, parseVersion(constraint.minimum)!, expected, `Windows ${raw} is older than the required ${constraint.minimum}.`);
  return checkDynamic(ctx, check, version, raw!, major, constraint, expected);
}

function checkDynamic(ctx: CheckContext, check: string, version: Version, raw: string, major: WindowsMajor, constraint: OsVersionConstraint, expected: unknown): CheckOutcome {
  const dynamic = constraint.dynamicVersionRequirement!;
  const releases = windowsReleases(ctx.catalog, major, ctx.now);
  const newest = releases[0];
  if (!newest) return unknownOutcome(check, expected, `the latest ${MAJOR_NAMES[major]} release`, "the OS release catalog lists none", raw);
  const build = version[2]!;
  const newerThanCatalog = build > newest.build;
  const release = releases.find((r) => r.build === build);
  const name = (b: number) => {
    const known = releases.find((r) => r.build === b);
    return `${MAJOR_NAMES[major]}${known ? ` ${known.release}` : ""} (build ${b})`;
  };
  const parts: CheckOutcome[] = [];

  if (dynamic.type === "EXACT_ANY_SUPPORTED") {
    const supported = newerThanCatalog || (release !== undefined && windowsSupported(release, ctx.now));
    const names = releases.filter((r) => windowsSupported(r, ctx.now)).map((r) => name(r.build));
    parts.push(supported ? passIfCatalogCurrent(ctx, check, raw, expected) : fail(check, raw, expected, `${name(build)} is no longer supported.`, `${UPDATE} Move to ${names[0] ?? "a supported release"}.`));
  } else {
    const distance = dynamic.distanceFromLatestMajor ?? 0;
    const target = releases[Math.min(distance, releases.length - 1)]!.build;
    const ok = dynamic.type === "MINIMUM" ? build >= target : build === target || (newerThanCatalog && distance === 0);
    const wanted = dynamic.type === "MINIMUM" ? `${name(target)} or later` : name(target);
    const failure = () => fail(check, raw, expected, `${name(build)} does not meet the requirement: ${wanted}.`, `${UPDATE} Move to ${wanted}.`);
    // Above an EXACT target is only certain to be wrong while the catalog knows every newer release.
    if (ok) parts.push(passIfCatalogCurrent(ctx, check, raw, expected));
    else parts.push(build > target ? (staleCatalogOutcome(ctx, check, raw, expected) ?? failure()) : failure());
  }

  if (dynamic.latestSecurityPatch) {
    const update = release ? latestWindowsUpdate(release, ctx.now) : null;
    const ubr = version[3];
    if (newerThanCatalog) parts.push(passIfCatalogCurrent(ctx, check, raw, expected));
    else if (!release || !update) parts.push(fail(check, raw, expected, `Build ${build} is not in the release catalog, so it is treated as unpatched.`, UPDATE));
    else if (ubr === undefined) parts.push(unknownOutcome(check, expected, "the Windows patch level", `the build "${raw}" has no update revision (UBR)`, raw));
    else
      parts.push(
        ubr >= update.ubr
          ? passIfCatalogCurrent(ctx, check, raw, expected)
          : fail(check, raw, expected, `Windows ${raw} is missing the latest cumulative update (${update.kb ?? `10.0.${build}.${update.ubr}`}, ${update.date}).`, `${UPDATE} Install 10.0.${build}.${update.ubr} or later.`),
      );
  }
  return combine(check, parts, raw, expected);
}
