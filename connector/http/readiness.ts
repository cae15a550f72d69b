/**
 * `GET /readyz`: whether this connector can do its job now — above all, whether its store accepts
 * writes (a full disk, a read-only file, PostgreSQL gone). `/healthz` stays liveness: the process
 * answers. A load balancer or orchestrator routes by /readyz; a supervisor restarts by /healthz.
 *
 * The probe is a real write (a settings row), plus, for SQLite, the free space of the database's
 * filesystem: SQLite can still commit a tiny row into WAL space it already holds while a
 * snapshot, which needs new pages, fails. Results are kept for a second, so polling cannot turn
 * into a write load. Other helpers may add detail (catalog, replica bus) beside `store`.
 */
import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import type { Hono } from "hono";
import type { Store } from "../store/types.ts";

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
    const code = (error as { code?: unknown }).code;
    return { ...readiness, writable: false, error: `${typeof code === "string" ? `${code}: ` : ""}${(error as Error).message}`.slice(0, 300) };
  }
  return readiness;
}

export function mountReadiness(app: Hono, deps: { store: Store; now: () => number }): void {
  let cached: { at: number; result: Promise<StoreReadiness> } | undefined;
  app.get("/readyz", async (c) => {
    const at = performance.now();
    if (!cached || at - cached.at > PROBE_CACHE_MS) cached = { at, result: probeStore(deps.store, deps.now()) };
    const store = await cached.result;
    return c.json({ ready: store.writable, store }, store.writable ? 200 : 503, store.writable ? {} : { "Retry-After": "5" });
  });
}
