/**
 * How long ago the OS release catalog in force was confirmed against its sources, and whether it
 * may still say what "latest" means.
 *
 * Age counts from the last *confirmation*, per platform: `sources.<platform>.confirmedAt`, which
 * the connector's own update writes each time a feed answers and its releases pass validation
 * (whether or not anything changed), or `publishedAt` for a catalog without that note. A catalog
 * nobody confirmed for a year would call a device a year behind on patches "latest": past
 * `maxAgeDays` every dynamic requirement that would PASS is UNKNOWN instead (a FAIL stays a FAIL:
 * a device behind even the old catalog is behind the real one too).
 *
 *   const f = catalogFreshness(catalog, now, 45, "macos");
 *   if (f.stale) log.warn(f, staleCatalogMessage(f));
 */
import { CATALOG_PLATFORMS, type CatalogPlatform, type OsCatalog } from "./schema.ts";

/**
 * Microsoft ships cumulative updates on the second Tuesday of each month, at most 35 days apart,
 * and Apple's security releases come about as often. 45 days is one such cycle plus ten days to
 * build and import the next catalog: a catalog older than that has certainly missed a Patch Tuesday.
 */
export const DEFAULT_CATALOG_MAX_AGE_DAYS = 45;
/** Bounds of the option: a longer limit is no limit at all, and a day is the catalog's resolution. */
export const MIN_CATALOG_MAX_AGE_DAYS = 1;
export const MAX_CATALOG_MAX_AGE_DAYS = 365;
/**
 * A `publishedAt` up to a day ahead of the connector's clock is a time zone (the catalog was dated
 * where it was already tomorrow); further ahead it is a wrong date that would keep it fresh forever.
 */
export const PUBLISHED_AHEAD_TOLERANCE_MS = 86_400_000;

const DAY_MS = 86_400_000;

export interface CatalogFreshness {
  version: string;
  publishedAt: string;
  /** The platform judged, or null for the whole catalog (its least recently confirmed platform). */
  platform: CatalogPlatform | null;
  /** When the releases were last confirmed against their source (ISO), `publishedAt` without a note. */
  confirmedAt: string;
  /** Whole days since `confirmedAt` (from 00:00 UTC that day), 0 when it is (slightly) ahead of the clock. */
  ageDays: number;
  maxAgeDays: number;
  /** The first day (UTC) on which the catalog counts as stale. */
  staleFrom: string;
  stale: boolean;
  /** The confirmation is further in the future than a time zone explains: never trusted as fresh. */
  datedInFuture: boolean;
}

type Dated = Pick<OsCatalog, "version" | "publishedAt" | "sources">;

/** When `platform` was last confirmed (epoch ms); for the whole catalog, the oldest platform's. */
export function confirmedAt(catalog: Dated, platform: CatalogPlatform | null = null): number {
  const published = Date.parse(`${catalog.publishedAt}T00:00:00Z`);
  const one = (p: CatalogPlatform) => {
    const note = catalog.sources?.[p]?.confirmedAt;
    return note === undefined ? published : Date.parse(note);
  };
  return platform ? one(platform) : Math.min(...CATALOG_PLATFORMS.map(one));
}

/** Confirmation times per catalog object and platform: catalogs are replaced, never changed in place. */
const confirmations = new WeakMap<object, Map<CatalogPlatform | null, number>>();

function confirmedAtOnce(catalog: Dated, platform: CatalogPlatform | null): number {
  let byPlatform = confirmations.get(catalog);
  if (!byPlatform) confirmations.set(catalog, (byPlatform = new Map()));
  let confirmed = byPlatform.get(platform);
  if (confirmed === undefined) byPlatform.set(platform, (confirmed = confirmedAt(catalog, platform)));
  return confirmed;
}

/** The numbers a freshness verdict rests on; `catalogFreshness` and `catalogIsStale` both read them. */
function staleness(catalog: Dated, now: number, limit: number, platform: CatalogPlatform | null) {
  // A limit that is not a number would make every comparison false, i.e. never stale.
  const maxAgeDays = Number.isInteger(limit) ? Math.min(MAX_CATALOG_MAX_AGE_DAYS, Math.max(MIN_CATALOG_MAX_AGE_DAYS, limit)) : DEFAULT_CATALOG_MAX_AGE_DAYS;
  const confirmed = confirmedAtOnce(catalog, platform);
  // Day resolution, as for `publishedAt`: current through day N after the confirming day.
  const confirmedDay = Math.floor(confirmed / DAY_MS) * DAY_MS;
  const datedInFuture = confirmed - now > PUBLISHED_AHEAD_TOLERANCE_MS;
  const staleAt = confirmedDay + (maxAgeDays + 1) * DAY_MS;
  return { maxAgeDays, confirmed, confirmedDay, datedInFuture, staleAt, stale: datedInFuture || now >= staleAt };
}

/** `catalogFreshness(...).stale` without building the report: what every evaluation of a dynamic requirement asks. */
export function catalogIsStale(catalog: Dated, now: number, limit: number = DEFAULT_CATALOG_MAX_AGE_DAYS, platform: CatalogPlatform | null = null): boolean {
  return staleness(catalog, now, limit, platform).stale;
}

export function catalogFreshness(catalog: Dated, now: number, limit: number = DEFAULT_CATALOG_MAX_AGE_DAYS, platform: CatalogPlatform | null = null): CatalogFreshness {
  const { maxAgeDays, confirmed, confirmedDay, datedInFuture, staleAt, stale } = staleness(catalog, now, limit, platform);
  return {
    version: catalog.version,
    publishedAt: catalog.publishedAt,
    platform,
    confirmedAt: new Date(confirmed).toISOString(),
    ageDays: Math.max(0, Math.floor((now - confirmedDay) / DAY_MS)),
    maxAgeDays,
    staleFrom: new Date(staleAt).toISOString().slice(0, 10),
    stale,
    datedInFuture,
  };
}

/** A staleness verdict held from one instant to another, in which none of its inputs moves. */
export interface HeldVerdict {
  from: number;
  until: number;
  /** `staleCatalogMessage` of the catalog's freshness then, or null while it is current. */
  message: string | null;
}

/** Per catalog object (never changed in place) and "platform|limit": the verdict of the last instant asked. */
const heldVerdicts = new WeakMap<object, Map<string, HeldVerdict>>();

/**
 * Why checks against "latest" are UNKNOWN (`staleCatalogMessage`), or null while the catalog is
 * current: what every evaluation of a dynamic requirement asks. Held for as long as the answer
 * cannot change: freshness moves only at a midnight UTC (its age in days, the day it goes stale)
 * and at the instant a future confirmation stops being further ahead than a time zone explains.
 */
export function staleCatalogNote(catalog: Dated, now: number, limit: number = DEFAULT_CATALOG_MAX_AGE_DAYS, platform: CatalogPlatform | null = null): string | null {
  return stalenessVerdict(catalog, now, limit, platform).message;
}

/** `staleCatalogNote` with the interval around `now` over which it holds. */
export function stalenessVerdict(catalog: Dated, now: number, limit: number = DEFAULT_CATALOG_MAX_AGE_DAYS, platform: CatalogPlatform | null = null): Readonly<HeldVerdict> {
  const key = `${platform}|${limit}`;
  let held = heldVerdicts.get(catalog);
  const verdict = held?.get(key);
  if (verdict && now >= verdict.from && now < verdict.until) return verdict;
  const freshness = catalogFreshness(catalog, now, limit, platform);
  const message = freshness.stale ? staleCatalogMessage(freshness) : null;
  const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
  // `datedInFuture` holds exactly while now < trustedFrom.
  const trustedFrom = confirmedAtOnce(catalog, platform) - PUBLISHED_AHEAD_TOLERANCE_MS;
  const from = now >= trustedFrom ? Math.max(dayStart, trustedFrom) : dayStart;
  const until = now < trustedFrom ? Math.min(dayStart + DAY_MS, trustedFrom) : dayStart + DAY_MS;
  if (!held) heldVerdicts.set(catalog, (held = new Map()));
  const fresh = Object.freeze({ from, until, message });
  held.set(key, fresh);
  return fresh;
}

const PLATFORM_NAMES: Record<CatalogPlatform, string> = { macos: "macOS", windows: "Windows", linux: "Linux" };

/** Why checks against "latest" are UNKNOWN, for people: which catalog, how old, and what to do. */
export function staleCatalogMessage(f: CatalogFreshness): string {
  const which = f.platform ? `the ${PLATFORM_NAMES[f.platform]} releases in the OS release catalog ${f.version}` : `the OS release catalog ${f.version}`;
  const [claim, were, its] = f.platform ? ["claim", "were", "their"] : ["claims", "was", "its"];
  const what = f.datedInFuture
    ? `${which} ${claim} a confirmation on ${f.confirmedAt.slice(0, 10)}, in the future, so ${its} age cannot be trusted`
    : `${which} ${were} last confirmed against ${its} sources on ${f.confirmedAt.slice(0, 10)}, ${f.ageDays} days ago, past the ${f.maxAgeDays}-day limit`;
  return `${what}. An administrator must update it: \`facet os-catalog update\` (it says why the sources could not be reached), or on an air-gapped site \`facet os-catalog import <file>\`.`;
}
