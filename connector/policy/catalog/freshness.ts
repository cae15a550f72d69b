/**
 * How old the OS release catalog in force is, and whether it may still say what "latest" means.
 *
 * The connector never fetches releases, so the catalog only knows what existed on its
 * `publishedAt` day. A year-old catalog would call a device a year behind on patches "latest":
 * past `maxAgeDays` every dynamic requirement that would PASS is UNKNOWN instead (a FAIL stays a
 * FAIL: a device behind even the old catalog is behind the real one too).
 *
 *   const f = catalogFreshness(catalog, now, 45);
 *   if (f.stale) log.warn(f, staleCatalogMessage(f));
 */
import type { OsCatalog } from "./schema.ts";

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
  /** Whole days since `publishedAt` (00:00 UTC), 0 when it is (slightly) ahead of the clock. */
  ageDays: number;
  maxAgeDays: number;
  /** The first day (UTC) on which the catalog counts as stale. */
  staleFrom: string;
  stale: boolean;
  /** `publishedAt` is further in the future than a time zone explains: never trusted as fresh. */
  datedInFuture: boolean;
}

export function catalogFreshness(catalog: Pick<OsCatalog, "version" | "publishedAt">, now: number, limit: number = DEFAULT_CATALOG_MAX_AGE_DAYS): CatalogFreshness {
  // A limit that is not a number would make every comparison false, i.e. never stale.
  const maxAgeDays = Number.isInteger(limit) ? Math.min(MAX_CATALOG_MAX_AGE_DAYS, Math.max(MIN_CATALOG_MAX_AGE_DAYS, limit)) : DEFAULT_CATALOG_MAX_AGE_DAYS;
  const published = Date.parse(`${catalog.publishedAt}T00:00:00Z`);
  const datedInFuture = published - now > PUBLISHED_AHEAD_TOLERANCE_MS;
  const ageDays = Math.max(0, Math.floor((now - published) / DAY_MS));
  const staleAt = published + (maxAgeDays + 1) * DAY_MS;
  return {
    version: catalog.version,
    publishedAt: catalog.publishedAt,
    ageDays,
    maxAgeDays,
    staleFrom: new Date(staleAt).toISOString().slice(0, 10),
    stale: datedInFuture || now >= staleAt,
    datedInFuture,
  };
}

/** Why checks against "latest" are UNKNOWN, for people: which catalog, how old, and what to do. */
export function staleCatalogMessage(f: CatalogFreshness): string {
  const what = f.datedInFuture
    ? `the OS release catalog ${f.version} is dated ${f.publishedAt}, in the future, so its age cannot be trusted`
    : `the OS release catalog ${f.version} (published ${f.publishedAt}) is ${f.ageDays} days old, past the ${f.maxAgeDays}-day limit`;
  return `${what}. An administrator must import a newer catalog: \`facet os-catalog import <file>\` (PUT /v1/os-catalog).`;
}
