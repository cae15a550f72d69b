/** `osVersion` on MACOS: a static minimum, or a dynamic requirement against the release catalog. */
import { macosReleases, macosSupported } from "../../catalog/index.ts";
import type { DynamicVersionRequirement } from "../../schema.ts";
import type { CheckContext, CheckOutcome } from "../../types.ts";
import { compareVersions, formatVersion, parseVersion, type Version } from "../../versions.ts";
import { combine, fail, pass, passIfCatalogCurrent, staleCatalogOutcome, unknownOutcome, unknownReason } from "../outcome.ts";

const CHECK = "osVersion";
const UPDATE = "Update macOS in System Settings → General → Software Update.";

export function checkMacosVersion(ctx: CheckContext): CheckOutcome | null {
  const requirement = ctx.policy.osVersion;
  if (!requirement) return null;
  const expected = requirement.minimum !== undefined ? { minimum: requirement.minimum } : { dynamicVersionRequirement: requirement.dynamicVersionRequirement };
  const raw = ctx.facts.os?.version ?? null;
  const version = parseVersion(raw);
  if (!version) return unknownOutcome(CHECK, expected, "the macOS version", raw === null ? unknownReason(ctx.unknown, "os.version") : `unreadable version "${raw}"`, raw);

  if (requirement.minimum !== undefined) {
    const minimum = parseVersion(requirement.minimum)!;
    return compareVersions(version, minimum) >= 0
      ? pass(CHECK, raw, expected)
      : fail(CHECK, raw, expected, `macOS ${formatVersion(version)} is older than the required ${requirement.minimum}.`, `${UPDATE} Install macOS ${requirement.minimum} or later.`);
  }
  return checkDynamic(ctx, version, raw!, requirement.dynamicVersionRequirement!, expected);
}

function checkDynamic(ctx: CheckContext, version: Version, raw: string, dynamic: DynamicVersionRequirement, expected: unknown): CheckOutcome {
  const releases = macosReleases(ctx.catalog, ctx.now);
  const newest = releases[0];
  if (!newest) return unknownOutcome(CHECK, expected, "the latest macOS", "the OS release catalog lists no macOS release", raw);
  const major = version[0]!;
  const newerThanCatalog = major > newest.major;
  const release = releases.find((r) => r.major === major);
  const parts: CheckOutcome[] = [];

  if (dynamic.type === "EXACT_ANY_SUPPORTED") {
    const supported = newerThanCatalog || (release !== undefined && macosSupported(release, ctx.now));
    const names = releases.filter((r) => macosSupported(r, ctx.now)).map((r) => r.major);
    parts.push(
      supported
        ? passIfCatalogCurrent(ctx, CHECK, raw, expected)
        : fail(CHECK, raw, expected, `macOS ${major} is no longer supported (supported: ${names.join(", ")}).`, `${UPDATE} Upgrade to macOS ${names[0] ?? newest.major}.`),
    );
  } else {
    const distance = dynamic.distanceFromLatestMajor ?? 0;
    const target = releases[Math.min(distance, releases.length - 1)]!.major;
    const ok = dynamic.type === "MINIMUM" ? major >= target : major === target || (newerThanCatalog && distance === 0);
    const wanted = dynamic.type === "MINIMUM" ? `macOS ${target} or later` : `macOS ${target}`;
    const failure = () => fail(CHECK, raw, expected, `macOS ${major} does not meet the requirement: ${wanted}.`, `${UPDATE} Upgrade to ${wanted}.`);
    // Above an EXACT target is only certain to be wrong while the catalog knows every newer major.
    if (ok) parts.push(passIfCatalogCurrent(ctx, CHECK, raw, expected));
    else parts.push(major > target ? (staleCatalogOutcome(ctx, CHECK, raw, expected) ?? failure()) : failure());
  }

  if (dynamic.latestSecurityPatch) {
    if (newerThanCatalog) parts.push(passIfCatalogCurrent(ctx, CHECK, raw, expected));
    else if (!release) parts.push(fail(CHECK, raw, expected, `macOS ${major} is not in the release catalog, so its latest patch is unknown and it is treated as unpatched.`, UPDATE));
    else {
      const latest = parseVersion(release.latest)!;
      parts.push(
        compareVersions(version, latest) >= 0
          ? passIfCatalogCurrent(ctx, CHECK, raw, expected)
          : fail(CHECK, raw, expected, `macOS ${formatVersion(version)} is missing the latest security update (${release.latest}, released ${release.latestReleased}).`, `${UPDATE} Install macOS ${release.latest}.`),
      );
    }
  }
  return combine(CHECK, parts, raw, expected);
}
