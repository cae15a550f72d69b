/**
 * `GET /readyz`: whether this connector can do its job now — above all, whether its store accepts
 * writes (a full disk, a read-only file, PostgreSQL gone) and, with replicas on PostgreSQL,
 * whether it hears the others (the LISTEN connection of cluster/bus.ts: without it revocations
 * and refreshes relayed by other replicas are missed). Either failing answers 503. `/healthz`
 * stays liveness: the process answers. A load balancer or orchestrator routes by /readyz; a
 * supervisor restarts by /healthz.
 *
 * The OS release catalog's state is detail, never a 503: a stale catalog makes dynamic OS checks
 * UNKNOWN (policy/catalog/freshness.ts), which taking the connector out of service would not fix.
 *
 * The store probe is a real write (a settings row), plus, for SQLite, the free space of the
 * database's filesystem: SQLite can still commit a tiny row into WAL space it already holds while
 * a snapshot, which needs new pages, fails. Results are kept for a second, so polling cannot turn
 * into a write load.
 */
import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { Hono } from "hono";
import type { AgentHub, ReplicaBusState } from "../../agent-channel/hub.ts";
import { catalogFreshness } from "../../policy/catalog/freshness.ts";
import type { CatalogInForce } from "../../compliance/catalog.ts";
import { CATALOG_SETTING_KEY, compareCatalogVersions, type OsCatalog } from "../../policy/catalog/index.ts";
import type { Store } from "../../store/types.ts";

/** Below this many free bytes a snapshot (a few KB of rows and index pages, WAL frames) may not fit. */
export const MIN_FREE_BYTES = 256 * 1024;
const PROBE_CACHE_MS = 1_000;
const PROBE_KEY = "readyz.probe";

export interface StoreReadiness {
  kind: Store["kind"];
  writable: boolean;
  /** Free bytes on the SQLite database's filesystem, for the unprivileged user. */
  freeBytes?: number;
  /** Why the store cannot write, when it cannot. */
  error?: string;
}

export type CatalogReadiness =
  | {
      loaded: true;
      /** `imported`: updated or imported into the store; `bundled`: the one this build ships (newer, or none stored). */
      source: "imported" | "bundled";
      version: string;
      confirmedAt: string;
      ageDays: number;
      maxAgeDays: number;
      stale: boolean;
    }
  | { loaded: false; error: string };

export interface Readiness {
  ready: boolean;
  store: StoreReadiness;
  osCatalog: CatalogReadiness;
  /** Only with replicas on PostgreSQL. */
  replicaBus?: ReplicaBusState;
}

export async function probeStore(store: Store, now: number): Promise<StoreReadiness> {
  const readiness: StoreReadiness = { kind: store.kind, writable: true };
  const path = (store as { path?: string }).path;
  if (store.kind === "sqlite" && path && path !== ":memory:") {
    try {
      const fs = statfsSync(dirname(path));
      readiness.freeBytes = fs.bavail * fs.bsize;
    } catch {
      // Not knowing the free space is no reason to refuse; the write probe still decides.
    }
    if (readiness.freeBytes !== undefined && readiness.freeBytes < MIN_FREE_BYTES) {
      return { ...readiness, writable: false, error: `the database's filesystem is full (${readiness.freeBytes} bytes free)` };
    }
  }
  try {
    await store.putSetting(PROBE_KEY, { at: now });
  } catch (error) {
    return { ...readiness, writable: false, error: describe(error) };
  }
  return readiness;
}

export async function probeCatalog(store: Pick<Store, "getSetting">, catalogs: Pick<CatalogInForce, "newest">, now: number, maxAgeDays: number): Promise<CatalogReadiness> {
  try {
    const stored = await store.getSetting<OsCatalog>(CATALOG_SETTING_KEY);
    const catalog = catalogs.newest(stored);
    const f = catalogFreshness(catalog, now, maxAgeDays);
    const source = stored && compareCatalogVersions(stored.version, catalog.version) === 0 ? "imported" : "bundled";
    return { loaded: true, source, version: f.version, confirmedAt: f.confirmedAt, ageDays: f.ageDays, maxAgeDays: f.maxAgeDays, stale: f.stale };
  } catch (error) {
    return { loaded: false, error: describe(error) };
  }
}

export async function probeReadiness(deps: { store: Store; catalogs: Pick<CatalogInForce, "newest">; hub?: Pick<AgentHub, "replicaBus">; now: number; maxCatalogAgeDays: number }): Promise<Readiness> {
  const [store, osCatalog] = await Promise.all([probeStore(deps.store, deps.now), probeCatalog(deps.store, deps.catalogs, deps.now, deps.maxCatalogAgeDays)]);
  const replicaBus = deps.hub?.replicaBus?.();
  const ready = store.writable && (replicaBus?.listening ?? true);
  return { ready, store, osCatalog, ...(replicaBus ? { replicaBus } : {}) };
}

export function mountReadiness(app: Hono, deps: { store: Store; compliance: { catalogs: Pick<CatalogInForce, "newest"> }; hub?: AgentHub; now: () => number; limits: { osCatalogMaxAgeDays: number } }): void {
  let cached: { at: number; result: Promise<Readiness> } | undefined;
  app.get("/readyz", async (c) => {
    const at = performance.now();
    if (!cached || at - cached.at > PROBE_CACHE_MS) {
      cached = { at, result: probeReadiness({ store: deps.store, catalogs: deps.compliance.catalogs, hub: deps.hub, now: deps.now(), maxCatalogAgeDays: deps.limits.osCatalogMaxAgeDays }) };
    }
    const readiness = await cached.result;
    return c.json(readiness, readiness.ready ? 200 : 503, readiness.ready ? {} : { "Retry-After": "5" });
  });
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return `${typeof code === "string" ? `${code}: ` : ""}${(error as Error).message}`.slice(0, 300);
}
