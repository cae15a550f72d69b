/**
 * A bounded LRU of values read from the store, filled only by reads and emptied by writes.
 *
 * The race it closes: a read that began before a write committed can finish after the write's
 * invalidation, carrying the old value. Each miss therefore holds a token while its read is under
 * way; `invalidate` drops the entry and the token, and a read whose token is gone by the time it
 * finishes returns its value to its caller without keeping it. So an entry is only ever a value
 * read after the last invalidation of its key began — never ahead of the store, never behind a
 * write this process has seen.
 *
 *   const devices = new ReadThroughCache<Device>(capacity);
 *   const device = await devices.read(id, () => store.getDevice(id));
 *   devices.invalidate(id); // after every write to that row
 */
import { LRUCache } from "lru-cache";

export class ReadThroughCache<V extends object> {
  private entries: LRUCache<string, V>;
  private readonly reading = new Map<string, object>();
  /** Lookups answered and not, since start (for /metrics). */
  hits = 0;
  misses = 0;

  constructor(capacity: number) {
    this.entries = new LRUCache({ max: capacity });
  }

  get capacity(): number {
    return this.entries.max;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The held value, counting a hit or a miss. */
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  /** The held value, or `load`'s (kept unless invalidated meanwhile). Null is never kept. */
  async read(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const held = this.get(key);
    if (held !== undefined) return held;
    return this.fill(key, load, (value) => value);
  }

  /**
   * Runs `load` for a miss and keeps `entry` of what it read (null: nothing), unless the key was
   * invalidated meanwhile; for entries that are not the answer itself (the ids of what was read).
   */
  async fill<R>(key: string, load: () => Promise<R>, entry: (read: R) => V | null): Promise<R> {
    const token = this.begin(key);
    try {
      const read = await load();
      const value = entry(read);
      if (value !== null) this.keep(key, token, value);
      return read;
    } finally {
      this.end(key, token);
    }
  }

  /** For a caller loading several keys in one store call: `begin` each miss, then `keep` what was read and `end`. */
  begin(key: string): object {
    const token = {};
    this.reading.set(key, token);
    return token;
  }

  keep(key: string, token: object, value: V): void {
    if (this.reading.get(key) === token) this.entries.set(key, value);
  }

  end(key: string, token: object): void {
    if (this.reading.get(key) === token) this.reading.delete(key);
  }

  invalidate(key: string): void {
    this.entries.delete(key);
    this.reading.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.reading.clear();
  }

  /** Raises the bound (never lowers it), keeping the entries and their recency. */
  grow(capacity: number): void {
    if (capacity <= this.capacity) return;
    const next = new LRUCache<string, V>({ max: capacity });
    // Least recently used first, so the order of use carries over.
    for (const key of this.entries.rkeys()) {
      const value = this.entries.peek(key);
      if (value !== undefined) next.set(key, value);
    }
    this.entries = next;
  }
}
