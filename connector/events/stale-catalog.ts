/**
 * `os_catalog.stale`: a stale OS release catalog made a check UNKNOWN (connector/policy/catalog/
 * freshness.ts). While the catalog stays stale every sign-in of every device with a dynamic OS
 * requirement would cause one, so per store at most one event is recorded per
 * STALE_CATALOG_EVENT_INTERVAL_MS, counting the evaluations since the previous one, and the same
 * line goes to the log as a warning. The state is per process: each replica records its own.
 *
 *   await noteStaleCatalogUnknowns({ store, log }, device.id, catalog, evaluations, maxAgeDays, now);
 *
 * At start the connector says once how old its catalog is (`logCatalogFreshness`): a warning when
 * it is stale or goes stale within a week, so the operator hears of it in the log as well.
 */
import type { Logger } from "pino";
import { catalogFreshness, staleCatalogMessage, type CatalogFreshness } from "../policy/catalog/freshness.ts";
import { CATALOG_SETTING_KEY, newestCatalog } from "../policy/catalog/index.ts";
import type { OsCatalog } from "../policy/catalog/schema.ts";
import type { PolicyEvaluation } from "../policy/types.ts";
import type { EventStore, Store } from "../store/types.ts";

export const STALE_CATALOG_EVENT = "os_catalog.stale";
/** An admin needs to hear about it, not once per sign-in: hourly is a nudge, not a flood. */
export const STALE_CATALOG_EVENT_INTERVAL_MS = 3600_000;

interface Tally {
  /** When the last event was recorded. */
  recordedAt: number;
  /** Evaluations with a stale-catalog UNKNOWN since then (not yet in an event). */
  evaluations: number;
  policyIds: Set<string>;
}

const tallies = new WeakMap<object, Tally>();

export interface StaleCatalogDeps {
  store: Pick<EventStore, "recordEvent">;
  log?: Logger | undefined;
}

/**
 * Counts one device's evaluations if the catalog's age made any check UNKNOWN; records an event
 * when due, and only then returns a promise (of its write): a sign-in awaits nothing otherwise.
 */
export function noteStaleCatalogUnknowns(deps: StaleCatalogDeps, deviceId: string, catalog: OsCatalog, evaluations: PolicyEvaluation[], maxAgeDays: number | undefined, now: number): Promise<void> | undefined {
  const affected = evaluations.filter((e) => e.applicable && e.checks.some((c) => c.status === "UNKNOWN" && c.cause === "os_catalog_stale"));
  if (affected.length === 0) return undefined;
  const tally = tallies.get(deps.store);
  if (tally && now >= tally.recordedAt && now - tally.recordedAt < STALE_CATALOG_EVENT_INTERVAL_MS) {
    tally.evaluations += 1;
    for (const e of affected) if (tally.policyIds.size < 100) tally.policyIds.add(e.policyId);
    return undefined;
  }
  return recordStaleCatalog(deps, deviceId, catalog, affected, tally, maxAgeDays, now);
}

async function recordStaleCatalog(deps: StaleCatalogDeps, deviceId: string, catalog: OsCatalog, affected: PolicyEvaluation[], tally: Tally | undefined, maxAgeDays: number | undefined, now: number): Promise<void> {
  const since = tally?.recordedAt ?? null;
  const policyIds = new Set([...(tally?.policyIds ?? []), ...affected.map((e) => e.policyId)]);
  const evaluationsSince = (tally?.evaluations ?? 0) + 1;
  tallies.set(deps.store, { recordedAt: now, evaluations: 0, policyIds: new Set() });

  const freshness = catalogFreshness(catalog, now, maxAgeDays);
  const data = {
    version: freshness.version,
    publishedAt: freshness.publishedAt,
    ageDays: freshness.ageDays,
    maxAgeDays: freshness.maxAgeDays,
    datedInFuture: freshness.datedInFuture,
    evaluations: evaluationsSince,
    since: since === null ? null : new Date(since).toISOString(),
    policyIds: [...policyIds].slice(0, 100),
    lastDeviceId: deviceId,
  };
  deps.log?.warn(data, "the OS release catalog is stale: dynamic OS version checks are UNKNOWN until a newer one is imported (`facet os-catalog import <file>`)");
  try {
    await deps.store.recordEvent({ type: STALE_CATALOG_EVENT, at: now, deviceId: null, data });
  } catch (err) {
    // An event we could not write must not turn a sign-in answer into a 500.
    deps.log?.error({ err, type: STALE_CATALOG_EVENT }, "could not record event");
  }
}

/** A week's notice: enough to build and import the next catalog before checks turn UNKNOWN. */
export const STALE_SOON_DAYS = 7;

/** Logs the catalog in force and its age: a warning when stale or within a week of it. */
export async function logCatalogFreshness(store: Pick<Store, "getSetting">, baseline: OsCatalog, now: number, maxAgeDays: number, log: Logger): Promise<CatalogFreshness | null> {
  try {
    const freshness = catalogFreshness(newestCatalog(await store.getSetting<OsCatalog>(CATALOG_SETTING_KEY), baseline), now, maxAgeDays);
    const line = `OS release catalog ${freshness.version} is ${freshness.ageDays} days old; it goes stale on ${freshness.staleFrom}`;
    if (freshness.stale) log.warn({ osCatalog: freshness }, `dynamic OS version checks will be UNKNOWN: ${staleCatalogMessage(freshness)}`);
    else if (freshness.maxAgeDays - freshness.ageDays < STALE_SOON_DAYS) log.warn({ osCatalog: freshness }, `${line}: import a newer one before then`);
    else log.info({ osCatalog: freshness }, line);
    return freshness;
  } catch (err) {
    log.error({ err }, "could not read the OS release catalog");
    return null;
  }
}
