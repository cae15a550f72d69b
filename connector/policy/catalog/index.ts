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

const DAY_MS = 86_400_000;

/** Whether a catalog date is a midnight UTC (or no date at all, which compares false at any time). */
const dayAligned = (isoDate: string): boolean => {
  const at = day(isoDate);
  return Number.isNaN(at) || at % DAY_MS === 0;
};

/** Per object (a catalog, a Windows release) and question, the last UTC day asked and its answer. */
const daily = new WeakMap<object, Map<string, { day: number; value: unknown }>>();

/**
 * `compute()` as of `now`, computed once per owner, question and UTC day. Every date the schema
 * admits is a midnight UTC, so which releases and updates are out cannot change within a day;
 * when `aligned` says otherwise (the store's copy is trusted, not re-validated) nothing is kept.
 * Catalogs are replaced, never changed in place, so an owner's answers never go stale.
 */
function onDay<T>(owner: object, question: string, now: number, aligned: () => boolean, compute: () => T): T {
  const today = Math.floor(now / DAY_MS);
  let answers = daily.get(owner);
  const held = answers?.get(question);
  if (held?.day === today) return held.value as T;
  const value = compute();
  if (!answers) {
    if (!aligned()) return value;
    daily.set(owner, (answers = new Map()));
  }
  answers.set(question, { day: today, value });
  return value;
}

/** macOS majors released by `now`, newest first (the same frozen list all day). */
export function macosReleases(catalog: OsCatalog, now: number): readonly MacosRelease[] {
  return onDay(catalog, "macos", now, () => catalogAligned(catalog), () => Object.freeze(catalog.macos.filter((r) => day(r.released) <= now).sort((a, b) => b.major - a.major)));
}

/** Every release and update date of the catalog is a midnight UTC (checked once per catalog, with its first question). */
function catalogAligned(catalog: OsCatalog): boolean {
  return (
    catalog.macos.every((r) => dayAligned(r.released) && (r.endOfSupport === undefined || dayAligned(r.endOfSupport))) &&
    catalog.windows.every((r) => dayAligned(r.released) && (r.endOfSupport === undefined || dayAligned(r.endOfSupport)) && r.updates.every((u) => dayAligned(u.date)))
  );
}

/** Per catalog object (never changed in place): whether every date in it, on every platform, is a midnight UTC. */
const midnightOnly = new WeakMap<object, boolean>();

/**
 * Whether everything the catalog says as of `now` (releases out, support, updates) stays the same
 * from one midnight UTC to the next: true when every date in it is a midnight, as the schema admits.
 */
export function everyDateMidnight(catalog: OsCatalog): boolean {
  let aligned = midnightOnly.get(catalog);
  if (aligned === undefined) {
    aligned = catalogAligned(catalog) && catalog.linux.every((d) => d.releases.every((r) => dayAligned(r.released) && (r.endOfSupport === undefined || dayAligned(r.endOfSupport))));
    midnightOnly.set(catalog, aligned);
  }
  return aligned;
}

export function macosSupported(release: MacosRelease, now: number): boolean {
  return release.supported && supportedAt(release, now);
}

/** Feature releases of one Windows product released by `now`, newest build first (the same frozen list all day). */
export function windowsReleases(catalog: OsCatalog, product: WindowsRelease["product"], now: number): readonly WindowsRelease[] {
  return onDay(catalog, product, now, () => catalogAligned(catalog), () => Object.freeze(catalog.windows.filter((r) => r.product === product && day(r.released) <= now).sort((a, b) => b.build - a.build)));
}

export function windowsSupported(release: WindowsRelease, now: number): boolean {
  return supportedAt(release, now);
}

/** The newest cumulative update of a Windows build published by `now`, or null before the first one. */
export function latestWindowsUpdate(release: WindowsRelease, now: number): WindowsRelease["updates"][number] | null {
  // A build lists up to 600 updates: scanned once per day, not at every sign-in.
  return onDay(release, "latest update", now, () => release.updates.every((u) => dayAligned(u.date)), () => {
    let latest: WindowsRelease["updates"][number] | null = null;
    for (const update of release.updates) if (day(update.date) <= now) latest = update;
    return latest;
  });
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

/** `linuxReleases` with each release's parsed version and `linuxSupported`, once per distro object and UTC day (onDay). */
export function linuxReleasesOn(distro: LinuxDistro, now: number): readonly LinuxReleaseOnDay[] {
  return onDay(distro, "linux", now, () => distro.releases.every((r) => dayAligned(r.released) && (r.endOfSupport === undefined || dayAligned(r.endOfSupport))), () =>
    Object.freeze(linuxReleases(distro, now).map((release) => Object.freeze({ release, version: parseVersion(release.version), supported: linuxSupported(release, now) }))),
  );
}

export function linuxSupported(release: LinuxRelease, now: number): boolean {
  return supportedAt(release, now);
}
