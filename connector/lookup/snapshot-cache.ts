/**
 * Parsed latest snapshots kept per (device, seq) for `POST /v1/endpoint/check`, so a sign-in
 * neither reads the ~4 KB snapshot row nor parses it again while the device has sent nothing new.
 *
 * Never stale for the same reason as facts-cache.ts: stored snapshots are immutable and the
 * caller has just read the device row; an entry is used only when its seq equals that row's
 * `lastSeq`, so a newer snapshot (from any replica) is a miss, and a revoked device is filtered
 * out from the row before the cache is asked. Callers must treat the snapshot as read-only.
 *
 *   const cache = new SnapshotCache(4096);
 *   const hit = cache.get(device.id, device.lastSeq);
 */
import { LRUCache } from "lru-cache";
import type { StoredSnapshot } from "../store/types.ts";

export class SnapshotCache {
  private entries: LRUCache<string, StoredSnapshot>;
  /** Lookups answered and not, since start (for /metrics). */
  hits = 0;
  misses = 0;

  constructor(private maxEntries: number) {
    this.entries = new LRUCache({ max: maxEntries });
  }

  /** Raises the bound as the fleet grows (never lowers it), keeping what is held. */
  grow(maxEntries: number): void {
    if (maxEntries <= this.maxEntries) return;
    this.entries = regrown(this.entries, new LRUCache({ max: maxEntries }));
    this.maxEntries = maxEntries;
  }

  get(deviceId: string, seq: number): StoredSnapshot | undefined {
    const snapshot = this.entries.get(deviceId);
    if (!snapshot || snapshot.seq !== seq) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return snapshot;
  }

  put(snapshot: StoredSnapshot): void {
    const previous = this.entries.peek(snapshot.deviceId);
    // Two requests can race a miss; never let an older seq replace a newer one.
    if (previous && previous.seq > snapshot.seq) return;
    this.entries.set(snapshot.deviceId, snapshot);
  }

  get size(): number {
    return this.entries.size;
  }

  get capacity(): number {
    return this.maxEntries;
  }
}

/** `into` holding `from`'s entries in the same order of use. */
export function regrown<V extends object>(from: LRUCache<string, V>, into: LRUCache<string, V>): LRUCache<string, V> {
  for (const key of from.rkeys()) {
    const value = from.peek(key);
    if (value !== undefined) into.set(key, value);
  }
  return into;
}

/**
 * Parsed latest snapshots held for sign-ins, at least as many devices as the serialized facts cache holds
 * (≈ 12,000): a parsed ~3.7 KB facts document measured ≈ 5.2 KB of heap, so ≈ 64 MB when full.
 */
export const SNAPSHOT_CACHE_ENTRIES = 12_288;
