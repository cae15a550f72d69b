/**
 * Days since each device's last OS patch, bucketed for the fleet page's histogram. Reading a
 * device's facts means parsing its latest snapshot, so the plot samples the first SAMPLE devices
 * (by name) under the page's filters and says so, and a result is reused for CACHE_MS
 * (PatchAgeCache: one per console, built by mountConsole).
 */
import { LRUCache } from "lru-cache";
import type { Facts } from "../../shared/facts/schema.ts";
import type { Clock } from "../options.ts";
import type { FleetQuery, Store, StoredSnapshot } from "../store/types.ts";

export const SAMPLE = 200;
const CACHE_MS = 60_000;
const DAY = 86_400_000;
export const BUCKETS = [
  { label: "0–7", max: 7 },
  { label: "8–14", max: 14 },
  { label: "15–30", max: 30 },
  { label: "31–60", max: 60 },
  { label: "61–90", max: 90 },
  { label: ">90", max: Infinity },
] as const;

export interface PatchAges {
  buckets: { label: string; count: number }[];
  sampled: number;
}

/** Days since the last patch at `now`, or null when the agent could not tell. */
export function patchAgeDays(facts: Facts, collectedAt: number, now: number): number | null {
  const patch = facts.os?.patch;
  const date = patch?.last_patch_date ? Date.parse(patch.last_patch_date.endsWith("Z") || /[+-]\d\d:?\d\d$/.test(patch.last_patch_date) ? patch.last_patch_date : `${patch.last_patch_date}Z`) : NaN;
  if (!Number.isNaN(date)) return Math.max(0, Math.floor((now - date) / DAY));
  if (typeof patch?.days_since_last_patch === "number") return patch.days_since_last_patch + Math.max(0, Math.floor((now - collectedAt) / DAY));
  return null;
}

export function bucketPatchAges(snapshots: StoredSnapshot[], now: number): PatchAges {
  const counts = [...BUCKETS.map((b) => ({ label: b.label, count: 0 })), { label: "unknown", count: 0 }];
  for (const s of snapshots) {
    const days = patchAgeDays(s.facts, s.collectedAt, now);
    const i = days === null ? BUCKETS.length : BUCKETS.findIndex((b) => days <= b.max);
    counts[i]!.count++;
  }
  return { buckets: counts, sampled: snapshots.length };
}

/** Histograms by filter, for CACHE_MS of the connector's clock; at most 100 filters kept. */
export class PatchAgeCache {
  private readonly results = new LRUCache<string, { at: number; value: PatchAges }>({ max: 100 });

  constructor(private readonly deps: { store: Pick<Store, "listFleet" | "latestSnapshots">; now: Clock }) {}

  async get(base: Omit<FleetQuery, "limit">): Promise<PatchAges> {
    const now = this.deps.now();
    const key = JSON.stringify({ ...base, staleBefore: undefined });
    const hit = this.results.get(key);
    if (hit && now - hit.at < CACHE_MS) return hit.value;
    const rows = await this.deps.store.listFleet({ ...base, limit: SAMPLE });
    const snapshots = await this.deps.store.latestSnapshots(rows.map((r) => r.device.id));
    const value = bucketPatchAges([...snapshots.values()], now);
    this.results.set(key, { at: now, value });
    return value;
  }
}
