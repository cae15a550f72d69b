/**
 * Lookups over the OS release catalog, always "as of" an injected time so evaluation stays pure:
 * a release dated after `now` does not exist yet, and support ends on its `endOfSupport` date.
 */
import bundled from "./os-releases.json" with { type: "json" };
import { parseVersion, type Version } from "../versions.ts";
import { OsCatalogSchema, type LinuxDistro, type LinuxRelease, type MacosRelease, type OsCatalog, type WindowsRelease } from "./schema.ts";

export { OsCatalogSchema, type OsCatalog } from "./schema.ts";

/** The key under which an imported catalog is kept in the store's settings. */
export const CATALOG_SETTING_KEY = "policy.osCatalog";

/**
 * The catalog shipped with this Facet release, validated like any other catalog. Each call parses
 * it again: a connector loads it once and keeps it (compliance/catalog.ts).
 */
export function loadBundledCatalog(): OsCatalog {
  return OsCatalogSchema.parse(bundled);
}

/**
 * Picks the newer of the baseline (the bundled catalog, or the one a connector was started from)
 * and the stored catalog, so upgrading Facet never goes backwards.
 */
export function newestCatalog(imported: OsCatalog | null, shipped: OsCatalog): OsCatalog {
  if (!imported) return shipped;
  return compareCatalogVersions(imported.version, shipped.version) >= 0 ? imported : shipped;
}

export function compareCatalogVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Midnight UTC of a catalog date. The schema admits only YYYY-MM-DD calendar dates, for which this
 * is Date.parse's answer without building and parsing a string per call (every sign-in compares
 * each release of a platform); anything else goes to Date.parse.
 */
const day = (isoDate: string): number =>
  isoDate.length === 10 ? Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10))) : Date.parse(`${isoDate}T00:00:00Z`);

function supportedAt(release: { endOfSupport?: string | undefined }, now: number): boolean {
  return release.endOfSupport === undefined || now < day(release.endOfSupport);
}

/** macOS majors released by `now`, newest first. */
export function macosReleases(catalog: OsCatalog, now: number): MacosRelease[] {
  return catalog.macos.filter((r) => day(r.released) <= now).sort((a, b) => b.major - a.major);
}

export function macosSupported(release: MacosRelease, now: number): boolean {
  return release.supported && supportedAt(release, now);
}

/** Feature releases of one Windows product released by `now`, newest build first. */
export function windowsReleases(catalog: OsCatalog, product: WindowsRelease["product"], now: number): WindowsRelease[] {
  return catalog.windows.filter((r) => r.product === product && day(r.released) <= now).sort((a, b) => b.build - a.build);
}

export function windowsSupported(release: WindowsRelease, now: number): boolean {
  return supportedAt(release, now);
}

/** The newest cumulative update of a Windows build published by `now`, or null before the first one. */
export function latestWindowsUpdate(release: WindowsRelease, now: number): WindowsRelease["updates"][number] | null {
  let latest: WindowsRelease["updates"][number] | null = null;
  for (const update of release.updates) if (day(update.date) <= now) latest = update;
  return latest;
}

/** The distro whose names include `osName` (case-insensitive), e.g. "Ubuntu" or "Debian GNU/Linux". */
export function linuxDistro(catalog: OsCatalog, osName: string): LinuxDistro | null {
  const wanted = osName.trim().toLowerCase();
  return catalog.linux.find((d) => d.names.some((n) => n.toLowerCase() === wanted)) ?? null;
}

/** A distro's releases out by `now`, newest first. */
export function linuxReleases(distro: LinuxDistro, now: number): LinuxRelease[] {
  return distro.releases
    .map((release) => ({ release, at: day(release.released) }))
    .filter((r) => r.at <= now)
    .sort((a, b) => b.at - a.at)
    .map((r) => r.release);
}

/** A Linux release as a sign-in compares against it: its parsed version, and whether it is supported that day. */
export interface LinuxReleaseOnDay {
  release: LinuxRelease;
  version: Version | null;
  supported: boolean;
}

const DAY_MS = 86_400_000;
/** Per distro object, the last UTC day asked for and its releases (catalogs are replaced, never changed in place). */
const linuxDays = new WeakMap<LinuxDistro, { day: number; releases: readonly LinuxReleaseOnDay[] }>();

/**
 * `linuxReleases` with each release's parsed version and `linuxSupported`, computed once per
 * distro and UTC day: every date the catalog holds is a midnight UTC, so neither whether a release
 * is out nor whether it is supported can change within a day. A catalog whose dates are not
 * (the store's copy is trusted, not re-validated) is computed on every call.
 */
export function linuxReleasesOn(distro: LinuxDistro, now: number): readonly LinuxReleaseOnDay[] {
  const today = Math.floor(now / DAY_MS);
  const held = linuxDays.get(distro);
  if (held?.day === today) return held.releases;
  const releases = Object.freeze(linuxReleases(distro, now).map((release) => Object.freeze({ release, version: parseVersion(release.version), supported: linuxSupported(release, now) })));
  const aligned = distro.releases.every((r) => day(r.released) % DAY_MS === 0 && (r.endOfSupport === undefined || day(r.endOfSupport) % DAY_MS === 0));
  if (aligned) linuxDays.set(distro, { day: today, releases });
  return releases;
}

export function linuxSupported(release: LinuxRelease, now: number): boolean {
  return supportedAt(release, now);
}
