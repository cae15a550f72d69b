/**
 * `osVersion` on LINUX. "Major" is a distro release (Ubuntu 24.04, Debian 12), ordered by release
 * date in the catalog. Linux patches arrive as packages, not OS versions, so `latestSecurityPatch`
 * means "no pending security updates", as the agent reads it from apt/dnf.
 */
import { linuxDistro, linuxReleasesOn } from "../../catalog/index.ts";
import type { DynamicVersionRequirement } from "../../schema.ts";
import type { CheckContext, CheckOutcome } from "../../types.ts";
import { compareVersions, formatVersion, hasVersionPrefix, parseVersion, type Version } from "../../versions.ts";
import { combine, fail, pass, passIfCatalogCurrent, staleCatalogOutcome, unknownOutcome, unknownReason } from "../outcome.ts";

const CHECK = "osVersion";
const PATCH = "Install pending security updates (e.g. `sudo apt upgrade` or `sudo dnf upgrade --security`).";

export function checkLinuxVersion(ctx: CheckContext): CheckOutcome | null {
  const requirement = ctx.policy.osVersion;
  if (!requirement) return null;
  const expected = requirement.minimum !== undefined ? { minimum: requirement.minimum } : { dynamicVersionRequirement: requirement.dynamicVersionRequirement };
  const raw = ctx.facts.os?.version ?? null;
  const version = parseVersion(raw);
  if (!version) return unknownOutcome(CHECK, expected, "the OS version", raw === null ? unknownReason(ctx.unknown, "os.version") : `unreadable version "${raw}"`, raw);
  if (requirement.minimum !== undefined) {
    return compareVersions(version, parseVersion(requirement.minimum)!) >= 0
      ? pass(CHECK, raw, expected)
      : fail(CHECK, raw, expected, `OS version ${formatVersion(version)} is older than the required ${requirement.minimum}.`, "Upgrade the distribution to a newer release.");
  }
  return checkDynamic(ctx, version, raw!, requirement.dynamicVersionRequirement!, expected);
}

function checkDynamic(ctx: CheckContext, version: Version, raw: string, dynamic: DynamicVersionRequirement, expected: unknown): CheckOutcome {
  const osName = ctx.facts.os?.name ?? null;
  const observed = { name: osName, version: raw };
  if (osName === null) return unknownOutcome(CHECK, expected, "the Linux distribution", unknownReason(ctx.unknown, "os.name"), observed);
  const distro = linuxDistro(ctx.catalog, osName);
  if (!distro) return unknownOutcome(CHECK, expected, "the latest release", `"${osName}" is not in the OS release catalog`, observed);
  const releases = linuxReleasesOn(distro, ctx.now);
  const index = releases.findIndex((r) => r.version !== null && hasVersionPrefix(version, r.version));
  const release = index >= 0 ? releases[index] : undefined;
  const newerThanCatalog = index < 0 && releases.length > 0 && compareVersions(version, releases[0]!.version!) > 0;
  const parts: CheckOutcome[] = [];

  if (dynamic.type === "EXACT_ANY_SUPPORTED") {
    const supported = release !== undefined && release.supported;
    const failure = () => {
      const names = releases.filter((r) => r.supported).map((r) => `${osName} ${r.release.version}`);
      return fail(CHECK, observed, expected, `${osName} ${raw} is not a supported release (supported: ${names.join(", ")}).`, `Upgrade to ${names[0] ?? "a supported release"}.`);
    };
    // A release newer than a stale catalog may well be supported: the catalog cannot say.
    if (supported) parts.push(passIfCatalogCurrent(ctx, CHECK, observed, expected));
    else parts.push(newerThanCatalog ? (staleCatalogOutcome(ctx, CHECK, observed, expected) ?? failure()) : failure());
  } else {
    const distance = dynamic.distanceFromLatestMajor ?? 0;
    const target = releases[Math.min(distance, releases.length - 1)]!.release;
    const ok = dynamic.type === "MINIMUM" ? newerThanCatalog || (index >= 0 && index <= distance) : index === distance || (newerThanCatalog && distance === 0);
    const wanted = dynamic.type === "MINIMUM" ? `${osName} ${target.version} or later` : `${osName} ${target.version}`;
    const failure = () => fail(CHECK, observed, expected, `${osName} ${raw} does not meet the requirement: ${wanted}.`, `Upgrade to ${wanted}.`);
    // Newer than an EXACT target is only certain to be wrong while the catalog knows every newer release.
    const newerThanTarget = newerThanCatalog || (index >= 0 && index < distance);
    if (ok) parts.push(passIfCatalogCurrent(ctx, CHECK, observed, expected));
    else parts.push(newerThanTarget ? (staleCatalogOutcome(ctx, CHECK, observed, expected) ?? failure()) : failure());
  }

  if (dynamic.latestSecurityPatch) {
    const pending = ctx.facts.os?.patch?.pending_security_updates ?? null;
    if (pending === null) parts.push(unknownOutcome(CHECK, expected, "pending security updates", unknownReason(ctx.unknown, "os.patch.pending_security_updates"), observed));
    else parts.push(pending === 0 ? pass(CHECK, observed, expected) : fail(CHECK, observed, expected, `${pending} security update(s) are pending.`, PATCH));
  }
  return combine(CHECK, parts, observed, expected);
}
