/**
 * The `cached_facts` part of the device view, serialized once per (device, seq) and kept in a
 * small cache bounded by bytes (least recently used out, approximately), so `GET /v1/devices/{id}` neither reads the ~4 KB snapshot row nor
 * parses and re-serializes it on every request.
 *
 * Why this can never serve stale facts: a stored snapshot is immutable (the store accepts a seq
 * only when it is greater than the device's `last_seq`, and updates `last_seq` in the same
 * transaction), and the device row is still read on every request. An entry is used only when
 * its seq equals that fresh `lastSeq`, so a newer snapshot — written by this replica or by
 * another one on the same PostgreSQL — is a miss, and revocation is seen in the device row as
 * before. Nothing needs invalidating; superseded entries age out of the LRU.
 *
 *   const cache = new FactsJsonCache(32 * 1024 * 1024);
 *   const hit = cache.get(device.id, device.lastSeq) ?? cache.put(snapshot, factsTtlMs);
 */
import type { StoredSnapshot } from "../store/types.ts";
import { buildCachedFacts, type FactsView } from "./device-view.ts";
import { perApp } from "./per-app.ts";

interface Entry {
  seq: number;
  json: string;
  /** Read since it last reached the old end: gets a second chance instead of eviction. */
  used: boolean;
}

export class FactsJsonCache {
  // A Map iterates in insertion order, oldest first. Hits only set `used` (moving the key on every
  // hit cost more than the lookup itself); eviction gives used entries a second chance (CLOCK).
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** Lookups answered and not, since start (for /metrics). */
  hits = 0;
  misses = 0;

  /** `view`: which `cached_facts.data` this cache holds (device-view.ts); one cache per view. */
  constructor(private readonly maxBytes: number, private readonly view: FactsView = "authentik") {}

  /** The serialized `cached_facts` of `deviceId` at exactly `seq`, if held. */
  get(deviceId: string, seq: number): string | undefined {
    const entry = this.entries.get(deviceId);
    if (!entry || entry.seq !== seq) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    entry.used = true;
    return entry.json;
  }

  /** Serializes the snapshot's `cached_facts`, keeps it (unless it alone exceeds the budget) and returns it. */
  put(snapshot: StoredSnapshot, factsTtlMs: number): string {
    const json = JSON.stringify(buildCachedFacts(snapshot, factsTtlMs, this.view));
    const size = entrySize(snapshot.deviceId, json);
    if (size > this.maxBytes) return json;
    const previous = this.entries.get(snapshot.deviceId);
    // Two requests can race a miss; never let an older seq replace a newer one.
    if (previous && previous.seq > snapshot.seq) return json;
    if (previous) this.remove(snapshot.deviceId, previous);
    this.entries.set(snapshot.deviceId, { seq: snapshot.seq, json, used: false });
    this.bytes += size;
    while (this.bytes > this.maxBytes) {
      const [id, entry] = this.entries.entries().next().value!;
      this.entries.delete(id);
      if (entry.used) {
        entry.used = false;
        this.entries.set(id, entry);
      } else {
        this.bytes -= entrySize(id, entry.json);
      }
    }
    return json;
  }

  get size(): number {
    return this.entries.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  get capacityBytes(): number {
    return this.maxBytes;
  }

  private remove(deviceId: string, entry: Entry): void {
    this.entries.delete(deviceId);
    this.bytes -= entrySize(deviceId, entry.json);
  }
}

// Facts JSON is mostly ASCII, which V8 keeps one byte per character; the constant covers the map slot and entry.
const entrySize = (deviceId: string, json: string): number => json.length + deviceId.length + 96;

/**
 * Serialized latest facts kept for the device routes and the endpoint check: ≈ 12,000 devices of
 * ~4 KB facts. Sized above the 10,000-device fleet the lookup goals name: a cache smaller than the
 * set of devices read in rotation misses on every read (a cyclic scan defeats LRU and CLOCK alike).
 */
export const FACTS_CACHE_BYTES = 48 * 1024 * 1024;

/** Facet's full document (`?view=facet`) is read by admins and Facet's own tools, not on every sign-in. */
export const FACET_VIEW_CACHE_BYTES = 4 * 1024 * 1024;

/** The one cache of an app's routes per view, so its memory is spent once. */
export const factsCacheFor = perApp(() => new FactsJsonCache(FACTS_CACHE_BYTES, "authentik"));
export const facetFactsCacheFor = perApp(() => new FactsJsonCache(FACET_VIEW_CACHE_BYTES, "facet"));
