/**
 * The next catalog from the one in force and what the feeds said (sources/): each platform a feed
 * answered for is replaced or merged, the others are kept as they were, and each platform whose
 * feeds all answered is marked confirmed now. Pure: no I/O, an injected `now`.
 *
 *   const next = assembleCatalog(inForce, { macos: { releases, from: url } }, Date.now());
 */
import { compareCatalogVersions } from "./index.ts";
import type { CatalogPlatform, LinuxDistro, MacosRelease, OsCatalog, WindowsRelease } from "./schema.ts";
import type { WindowsCycle } from "./sources/endoflife.ts";
import type { MsrcUpdate } from "./sources/msrc.ts";

export interface FeedParts {
  macos?: { releases: MacosRelease[]; from: string };
  linux?: { distros: LinuxDistro[]; from: string };
  /** Windows needs both: endoflife.date's feature releases and Microsoft's cumulative updates. */
  windowsReleases?: { cycles: WindowsCycle[]; from: string };
  windowsUpdates?: { updates: MsrcUpdate[]; from: string };
}

/** Cumulative updates kept per feature release: two years of Patch Tuesdays is plenty of history. */
export const KEPT_WINDOWS_UPDATES = 24;

const isoDay = (now: number) => new Date(now).toISOString().slice(0, 10);

/** A date-like version after `previous`: `2026.12.2`, or `2026.12.2.1` for a second change that day. */
export function nextCatalogVersion(previous: string, now: number): string {
  const d = new Date(now);
  const today = `${d.getUTCFullYear()}.${d.getUTCMonth() + 1}.${d.getUTCDate()}`;
  if (compareCatalogVersions(today, previous) > 0) return today;
  const parts = previous.split(".");
  return parts.length >= 4 ? [...parts.slice(0, 3), String(Number(parts[3]) + 1)].join(".") : `${previous}.1`;
}

function mergeMacos(previous: MacosRelease[], fresh: MacosRelease[]): MacosRelease[] {
  // SOFA eventually drops majors long out of support; they stay, unsupported, so a device on one
  // keeps failing "supported" instead of becoming "not in the catalog". A supported major that
  // disappears is refused by validate-update.ts.
  const kept = previous.filter((p) => !fresh.some((f) => f.major === p.major) && !p.supported);
  return [...fresh, ...kept].sort((a, b) => b.major - a.major);
}

function mergeLinux(previous: LinuxDistro[], fresh: LinuxDistro[]): LinuxDistro[] {
  const replaced = previous.map((p) => fresh.find((f) => f.id === p.id) ?? p);
  return [...replaced, ...fresh.filter((f) => !previous.some((p) => p.id === f.id))];
}

function mergeWindows(previous: WindowsRelease[], cycles: WindowsCycle[] | undefined, updates: MsrcUpdate[] | undefined): WindowsRelease[] {
  const releases = structuredClone(previous);
  for (const cycle of cycles ?? []) {
    const known = releases.find((r) => r.build === cycle.build);
    if (!known) continue;
    known.release = cycle.release;
    known.released = cycle.released;
    if (cycle.endOfSupport) known.endOfSupport = cycle.endOfSupport;
  }
  for (const update of updates ?? []) {
    let release = releases.find((r) => r.build === update.build);
    if (!release) {
      const cycle = cycles?.find((c) => c.build === update.build);
      release = {
        product: update.product,
        release: cycle?.release ?? update.release,
        build: update.build,
        released: cycle?.released ?? update.date,
        ...(cycle?.endOfSupport ? { endOfSupport: cycle.endOfSupport } : {}),
        updates: [],
      };
      releases.push(release);
    }
    const last = release.updates.at(-1);
    // An older document (last month's, fetched before this month's is out) is no news.
    if (!last || (update.ubr > last.ubr && update.date >= last.date)) release.updates.push({ date: update.date, ubr: update.ubr, ...(update.kb ? { kb: update.kb } : {}) });
    release.updates = release.updates.slice(-KEPT_WINDOWS_UPDATES);
  }
  return releases.sort((a, b) => b.build - a.build);
}

/** Release content only: what a diff compares and what bumps the version when it changes. */
function content(catalog: OsCatalog): string {
  return JSON.stringify([catalog.macos, catalog.windows, catalog.linux]);
}

export function assembleCatalog(previous: OsCatalog, parts: FeedParts, now: number): OsCatalog {
  const next: OsCatalog = {
    ...structuredClone(previous),
    macos: parts.macos ? mergeMacos(previous.macos, parts.macos.releases) : structuredClone(previous.macos),
    linux: parts.linux ? mergeLinux(previous.linux, parts.linux.distros) : structuredClone(previous.linux),
    windows: parts.windowsReleases || parts.windowsUpdates ? mergeWindows(previous.windows, parts.windowsReleases?.cycles, parts.windowsUpdates?.updates) : structuredClone(previous.windows),
  };
  const confirmedAt = new Date(now).toISOString();
  // Without a note a platform was vouched for by `publishedAt`; keep saying so once others get one.
  const published = `${previous.publishedAt}T00:00:00.000Z`;
  const sources: NonNullable<OsCatalog["sources"]> = {
    macos: previous.sources?.macos ?? { from: `catalog ${previous.version}`, confirmedAt: published },
    windows: previous.sources?.windows ?? { from: `catalog ${previous.version}`, confirmedAt: published },
    linux: previous.sources?.linux ?? { from: `catalog ${previous.version}`, confirmedAt: published },
  };
  const confirm = (platform: CatalogPlatform, from: string) => (sources[platform] = { from: from.slice(0, 300), confirmedAt });
  if (parts.macos) confirm("macos", parts.macos.from);
  if (parts.linux) confirm("linux", parts.linux.from);
  if (parts.windowsReleases && parts.windowsUpdates) confirm("windows", `${parts.windowsUpdates.from} + ${parts.windowsReleases.from}`);
  next.sources = sources;
  if (content(next) !== content(previous)) {
    next.version = nextCatalogVersion(previous.version, now);
    next.publishedAt = isoDay(now);
  }
  return next;
}
