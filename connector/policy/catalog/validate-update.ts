/**
 * Whether a catalog assembled from the feeds may replace the one in force, per platform. A feed
 * that is truncated, rolled back or tampered with must not let unpatched devices pass, so an
 * update is refused when it would:
 *   - break the schema;
 *   - move any "latest" backwards (a macOS major's latest version, a Windows release's newest
 *     cumulative update, a Linux release's latest point release);
 *   - date a release in the future (beyond a time zone's worth);
 *   - lose a release (a supported macOS major, a Linux distribution or release): feeds add and
 *     end releases, they do not forget them.
 * The answer is one line for people, or null when the update is acceptable.
 *
 *   const problem = refuseUpdate(inForce, next, "macos", now);
 */
import { PUBLISHED_AHEAD_TOLERANCE_MS } from "./freshness.ts";
import { OsCatalogSchema, type CatalogPlatform, type OsCatalog } from "./schema.ts";
import { compareVersions, parseVersion } from "../versions.ts";

const newer = (a: string, b: string) => compareVersions(parseVersion(a)!, parseVersion(b)!);

function futureDate(dates: [string, string][], now: number): string | null {
  for (const [what, date] of dates) if (Date.parse(`${date}T00:00:00Z`) - now > PUBLISHED_AHEAD_TOLERANCE_MS) return `${what} is dated ${date}, in the future`;
  return null;
}

function macosProblem(before: OsCatalog, after: OsCatalog, now: number): string | null {
  for (const p of before.macos) {
    const n = after.macos.find((r) => r.major === p.major);
    if (!n) return `macOS ${p.major} (${p.name}) is missing from the feed`;
    if (newer(n.latest, p.latest) < 0) return `macOS ${p.major}'s latest version would go back from ${p.latest} to ${n.latest}`;
  }
  return futureDate(after.macos.flatMap((r) => [[`macOS ${r.major}`, r.released], [`macOS ${r.latest}`, r.latestReleased]] as [string, string][]), now);
}

function windowsProblem(before: OsCatalog, after: OsCatalog, now: number): string | null {
  for (const p of before.windows) {
    const n = after.windows.find((r) => r.build === p.build);
    if (!n) return `Windows build ${p.build} (${p.release}) is missing`;
    if (n.updates.at(-1)!.ubr < p.updates.at(-1)!.ubr) return `Windows ${p.release}'s newest update would go back from 10.0.${p.build}.${p.updates.at(-1)!.ubr} to 10.0.${n.build}.${n.updates.at(-1)!.ubr}`;
  }
  return futureDate(after.windows.flatMap((r) => [[`Windows ${r.release}`, r.released], ...r.updates.map((u) => [`Windows 10.0.${r.build}.${u.ubr}`, u.date])] as [string, string][]), now);
}

function linuxProblem(before: OsCatalog, after: OsCatalog, now: number): string | null {
  for (const p of before.linux) {
    const n = after.linux.find((d) => d.id === p.id);
    if (!n) return `${p.names[0]} is missing from the feed`;
    for (const pr of p.releases) {
      const nr = n.releases.find((r) => r.version === pr.version);
      if (!nr) return `${p.names[0]} ${pr.version} is missing from the feed`;
      if (newer(nr.latest, pr.latest) < 0) return `${p.names[0]} ${pr.version}'s latest release would go back from ${pr.latest} to ${nr.latest}`;
    }
  }
  return futureDate(after.linux.flatMap((d) => d.releases.map((r) => [`${d.names[0]} ${r.version}`, r.released] as [string, string])), now);
}

const CHECKS: Record<CatalogPlatform, (before: OsCatalog, after: OsCatalog, now: number) => string | null> = { macos: macosProblem, windows: windowsProblem, linux: linuxProblem };

export function refuseUpdate(before: OsCatalog, after: OsCatalog, platform: CatalogPlatform, now: number): string | null {
  const schema = OsCatalogSchema.safeParse(after);
  if (!schema.success) {
    const issue = schema.error.issues.find((i) => i.path[0] === platform) ?? schema.error.issues[0]!;
    return `the result would not be a valid catalog: ${issue.path.map(String).join(".")}: ${issue.message}`;
  }
  return CHECKS[platform](before, after, now);
}
