/**
 * The `cached_facts` part of the device view, serialized once per (device, seq) and kept in a
 * cache bounded by bytes (least recently used out), so `GET /v1/devices/{id}` neither
 * reads the snapshot row nor parses and re-serializes it on every request. An authentik view
 * stored at ingest is kept as it was stored, deflated (store/deflated-view.ts): about a fifth of
 * its text, and sent as it is to clients that accept gzip.
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
import { LRUCache } from "lru-cache";
import type { StoredSnapshot } from "../store/types.ts";
import type { FactsJson, FactsView } from "./device-view.ts";
import { renderFacts, withFreshness } from "./rendered-view.ts";
import { isDeflated } from "../store/deflated-view.ts";

interface Entry {
  seq: number;
  json: FactsJson;
}

export class FactsJsonCache {
  private readonly entries: LRUCache<string, Entry>;
  /** Lookups answered and not, since start (for /metrics). */
  hits = 0;
  misses = 0;

  /** `view`: which `cached_facts.data` this cache holds (device-view.ts); one cache per view. */
  constructor(private readonly maxBytes: number, private readonly view: FactsView = "authentik") {
    this.entries = new LRUCache({ maxSize: maxBytes, sizeCalculation: (entry, deviceId) => entrySize(deviceId, entry.json) });
  }

  /** The serialized `cached_facts` of `deviceId` at exactly `seq`, if held. */
  get(deviceId: string, seq: number): FactsJson | undefined {
    const entry = this.entries.get(deviceId);
    if (!entry || entry.seq !== seq) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry.json;
  }

  /** Serializes the snapshot's `cached_facts`, keeps it (unless it alone exceeds the budget) and returns it. */
  put(snapshot: StoredSnapshot, factsTtlMs: number): string {
    return this.keep(snapshot.deviceId, snapshot.seq, withFreshness(renderFacts(snapshot.facts, snapshot.unknown, this.view), snapshot.collectedAt, factsTtlMs));
  }

  /** Keeps an already serialized `cached_facts` of (device, seq) and returns it. */
  keep<J extends FactsJson>(deviceId: string, seq: number, json: J): J {
    // Checked here rather than left to the cache, which would also drop the device's held entry.
    if (entrySize(deviceId, json) > this.maxBytes) return json;
    const previous = this.entries.peek(deviceId);
    // Two requests can race a miss; never let an older seq replace a newer one.
    if (previous && previous.seq > seq) return json;
    this.entries.set(deviceId, { seq, json });
    return json;
  }

  get size(): number {
    return this.entries.size;
  }

  get heldBytes(): number {
    return this.entries.calculatedSize;
  }

  get capacityBytes(): number {
    return this.maxBytes;
  }
}

// Facts JSON is mostly ASCII, which V8 keeps one byte per character; the constant covers the map slot and entry.
const entrySize = (deviceId: string, json: FactsJson): number => jsonBytes(json) + deviceId.length + 96;

function jsonBytes(json: FactsJson): number {
  if (typeof json === "string") return json.length;
  let bytes = 0;
  for (const piece of json) bytes += (isDeflated(piece) ? piece.deflated : piece).byteLength + 64;
  return bytes;
}

/** Facet's full document (`?view=facet`) is read by admins and Facet's own tools, not on every sign-in. */
export const FACET_VIEW_CACHE_BYTES = 4 * 1024 * 1024;

