/**
 * Latest snapshots kept per (device, seq): whole ones (for rebuilding compact frames, and for
 * policies that read inventories) and policy snapshots (policy-snapshot.ts, for every other
 * sign-in), so a sign-in neither reads the snapshot row nor parses it again while the device has
 * sent nothing new.
 *
 * Bounded by bytes, not entries: a real agent's body is tens of kilobytes and its parsed facts
 * take more heap than its text, so a bound in devices would let a large fleet exhaust the heap.
 * Each entry is charged as if its facts were parsed (snapshots read from the store are; accepted
 * ones are parsed on first read), which overstates a never-read snapshot and never understates one.
 *
 * Never stale for the same reason as facts-cache.ts: stored snapshots are immutable and the
 * caller has just read the device row; an entry is used only when its seq equals that row's
 * `lastSeq`, so a newer snapshot (from any replica) is a miss, and a revoked device is filtered
 * out from the row before the cache is asked. Callers must treat the snapshot as read-only.
 *
 *   const cache = new SnapshotCache(256 * 1024 * 1024, snapshotHeapBytes);
 *   const hit = cache.get(device.id, device.lastSeq);
 */
import { LRUCache } from "lru-cache";
import { bodySize } from "../store/lazy-snapshot.ts";
import type { StoredSnapshot } from "../store/types.ts";

/** Once the budget is spent, one device not held in this many is let in (see the constructor). */
export const ADMIT_ONE_IN = 16;

/** What the cache holds: one entry per device, the latest seq wins. */
interface Held {
  deviceId: string;
  seq: number;
}

export class SnapshotCache<T extends Held = StoredSnapshot> {
  private readonly entries: LRUCache<string, T>;
  /** Lookups answered and not, since start (for /metrics). */
  hits = 0;
  misses = 0;

  /**
   * `admitWhenFull`: whether a device not held may push others out once the budget is spent (by
   * default one time in ADMIT_ONE_IN). A rotation over more devices than fit — a fleet-wide sync,
   * a bench — would otherwise replace every entry before its next read: nothing is ever hit, and
   * each replacement moves tens of KB into the old generation for the collector to walk. Held
   * devices are always refreshed, and a device read often gets in after a few misses.
   */
  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (entry: T) => number,
    private readonly admitWhenFull: () => boolean = () => Math.random() * ADMIT_ONE_IN < 1,
  ) {
    this.entries = new LRUCache({ maxSize: maxBytes, sizeCalculation: sizeOf });
  }

  get(deviceId: string, seq: number): T | undefined {
    const snapshot = this.entries.get(deviceId);
    if (!snapshot || snapshot.seq !== seq) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return snapshot;
  }

  /** The entry if it is held for exactly this seq, without counting a hit or a miss or refreshing its place. */
  peek(deviceId: string, seq: number): T | undefined {
    const held = this.entries.peek(deviceId);
    return held?.seq === seq ? held : undefined;
  }

  put(snapshot: T): void {
    // Checked here rather than left to the cache, which would also drop the device's held entry.
    const bytes = this.sizeOf(snapshot);
    if (bytes > this.maxBytes) return;
    const previous = this.entries.peek(snapshot.deviceId);
    // Two requests can race a miss; never let an older seq replace a newer one.
    if (previous && previous.seq > snapshot.seq) return;
    if (!previous && this.entries.calculatedSize + bytes > this.maxBytes && !this.admitWhenFull()) return;
    this.entries.set(snapshot.deviceId, snapshot);
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

/**
 * The heap one held snapshot is charged: its body text (one byte a character, as V8 keeps ASCII)
 * and its parsed facts, which measured ≈ 1.4 × the body's length for a real agent document.
 */
export function snapshotHeapBytes(snapshot: StoredSnapshot): number {
  return bodySize(snapshot) * 3 + snapshot.deviceId.length + 256;
}
