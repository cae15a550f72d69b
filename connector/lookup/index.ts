/**
 * "The latest facts of a device", owned in one place: the parsed-snapshot caches (whole snapshots,
 * and the policy snapshots sign-ins evaluate: policy-snapshot.ts, warmed after start-up), the
 * serialized `cached_facts` caches (one per view), the authentik view
 * (device-view.ts) and the copy of it rendered at ingest and stored (rendered-view.ts), which a
 * read that misses the caches uses instead of rendering. One instance is built by `createConnector` and handed to the REST routes
 * (`HttpDeps.lookup`) and to the agent channel, which puts each snapshot in as it is acked.
 *
 * Why an answer is never stale: every read is keyed by the (device, seq) of a device row the
 * caller has just read, and stored snapshots are immutable (snapshot-cache.ts, facts-cache.ts).
 *
 *   const lookup = new LatestFacts({ store, factsTtlMs, snapshotBytes, policySnapshotBytes, factsBytes }); // ConnectorLimits' budgets
 *   void lookup.warm();
 *   const json = await lookup.latestFactsJson(device, "authentik");
 */
import type { Device, RenderedView, SnapshotStore, StoredSnapshot } from "../store/types.ts";
import { jsonText, type FactsJson, type FactsView } from "./device-view.ts";
import { FACET_VIEW_CACHE_BYTES, FactsJsonCache } from "./facts-cache.ts";
import { renderFacts, storedCachedFactsPieces, withFreshness } from "./rendered-view.ts";
import { policySnapshotFromText, policySnapshotOf, type PolicySnapshot } from "./policy-snapshot.ts";
import { SnapshotCache, snapshotHeapBytes } from "./snapshot-cache.ts";
import { readPolicySnapshots } from "./stored-policy-snapshots.ts";
import { warmLookupCaches, type WarmDeps } from "./warm.ts";

export interface LatestFactsOptions {
  store: WarmDeps["store"] & Pick<SnapshotStore, "latestSnapshot" | "latestView" | "latestViews">;
  factsTtlMs: number;
  /** Heap bytes the whole snapshots may take (`ConnectorLimits.snapshotCacheBytes`). */
  snapshotBytes: number;
  /** Heap bytes the policy snapshots may take (`ConnectorLimits.policySnapshotCacheBytes`). */
  policySnapshotBytes: number;
  /**
   * Bytes the serialized facts may take (`ConnectorLimits.factsCacheBytes`). A budget, not a size
   * per device: a real document is tens of KB, and a cache smaller than the devices read in
   * rotation misses on every read and re-serializes the whole document each time.
   */
  factsBytes: number;
  /** For tests: SnapshotCache's admission once its budget is spent. */
  admitWhenFull?: () => boolean;
  /** For tests; the admins' full view otherwise keeps its own small bound. */
  facetFactsBytes?: number;
}

/** What a device row must say for its cached facts to be found: which seq is the latest. */
export type DeviceSeq = Pick<Device, "id" | "lastSeq">;

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
}

export interface LookupStats {
  snapshots: CacheStats & { bytes: number };
  policySnapshots: CacheStats & { bytes: number };
  facts: Record<FactsView, CacheStats & { bytes: number }>;
  storedViews: { hits: number; misses: number };
  /** Policy snapshots not held, read as the text stored at ingest (hits) or made from the whole snapshot (misses). */
  storedPolicyFacts: { hits: number; misses: number };
}

export class LatestFacts {
  private readonly store: LatestFactsOptions["store"];
  private readonly factsTtlMs: number;
  private readonly snapshots: SnapshotCache;
  private readonly policySnapshotCache: SnapshotCache<PolicySnapshot>;
  private readonly facts: Record<FactsView, FactsJsonCache>;
  /** Authentik views read as stored at ingest (hits), or rendered here because none was stored for that (device, seq) (misses). */
  private readonly storedViews = { hits: 0, misses: 0 };
  private readonly storedPolicyFacts = { hits: 0, misses: 0 };

  constructor(options: LatestFactsOptions) {
    this.store = options.store;
    this.factsTtlMs = options.factsTtlMs;
    this.snapshots = new SnapshotCache(options.snapshotBytes, snapshotHeapBytes, options.admitWhenFull);
    this.policySnapshotCache = new SnapshotCache(options.policySnapshotBytes, (held) => held.heapBytes, options.admitWhenFull);
    this.facts = {
      authentik: new FactsJsonCache(options.factsBytes, "authentik"),
      facet: new FactsJsonCache(Math.min(options.facetFactsBytes ?? FACET_VIEW_CACHE_BYTES, options.factsBytes), "facet"),
    };
  }

  /** The device's latest snapshot if it is held, without reading the store. */
  cachedSnapshot(device: DeviceSeq): StoredSnapshot | undefined {
    return this.snapshots.get(device.id, device.lastSeq);
  }

  /**
   * The device's latest snapshot, from the cache or the store. `remember: false` for readers of
   * many devices at once (the Fleet API's pages), which would otherwise push sign-in devices out.
   */
  async latestSnapshot(device: DeviceSeq, options: { remember?: boolean } = {}): Promise<StoredSnapshot | null> {
    const hit = this.snapshots.get(device.id, device.lastSeq);
    if (hit) return hit;
    const snapshot = await this.store.latestSnapshot(device.id);
    if (snapshot && options.remember !== false) this.snapshots.put(snapshot);
    return snapshot;
  }

  /** Each device's latest snapshot (devices that never reported are absent), one store query for the misses. */
  async latestSnapshots(devices: DeviceSeq[], options: { remember?: boolean } = {}): Promise<Map<string, StoredSnapshot>> {
    const out = new Map<string, StoredSnapshot>();
    const missing: string[] = [];
    for (const d of devices) {
      const hit = this.snapshots.get(d.id, d.lastSeq);
      if (hit) out.set(d.id, hit);
      else missing.push(d.id);
    }
    if (missing.length === 0) return out;
    for (const [id, snapshot] of await this.store.latestSnapshots(missing)) {
      if (options.remember !== false) this.snapshots.put(snapshot);
      out.set(id, snapshot);
    }
    return out;
  }

  /**
   * Each device's latest policy snapshot (devices that never reported are absent): from its cache,
   * else made from a held whole snapshot, else read for the rest from the policy facts stored at
   * ingest, and from whole snapshots only for devices without usable ones
   * (stored-policy-snapshots.ts); of those only the policy snapshots are kept.
   */
  async policySnapshots(devices: DeviceSeq[]): Promise<Map<string, PolicySnapshot>> {
    const out = new Map<string, PolicySnapshot>();
    const missing: DeviceSeq[] = [];
    const keep = (held: PolicySnapshot) => {
      this.policySnapshotCache.put(held);
      out.set(held.deviceId, held);
    };
    for (const d of devices) {
      const hit = this.policySnapshotCache.get(d.id, d.lastSeq);
      if (hit) out.set(d.id, hit);
      else {
        const whole = this.snapshots.peek(d.id, d.lastSeq);
        if (whole) keep(policySnapshotOf(whole));
        else missing.push(d);
      }
    }
    if (missing.length === 0) return out;
    const read = await readPolicySnapshots(this.store, missing);
    this.storedPolicyFacts.hits += read.stored;
    this.storedPolicyFacts.misses += read.whole;
    for (const held of read.snapshots) keep(held);
    return out;
  }

  /**
   * The serialized `cached_facts` of this snapshot in `view`: from the cache, else (authentik) from
   * the view rendered at ingest, else rendered here from the whole snapshot (read again when given
   * a policy snapshot). Rendered at most once per (device, seq) here; null if the device has none.
   */
  async factsJsonOf(snapshot: StoredSnapshot | PolicySnapshot, view: FactsView = "authentik"): Promise<FactsJson | null> {
    const cache = this.facts[view];
    const known = cache.get(snapshot.deviceId, snapshot.seq) ?? (await this.storedFactsJson(snapshot.deviceId, snapshot.seq, view));
    if (known !== undefined) return known;
    const whole = "body" in snapshot ? snapshot : await this.latestSnapshot({ id: snapshot.deviceId, lastSeq: snapshot.seq }, { remember: false });
    return whole ? cache.put(whole, this.factsTtlMs) : null;
  }

  /** The device's latest `cached_facts` as JSON, or null when it never reported. */
  async latestFactsJson(device: DeviceSeq, view: FactsView = "authentik"): Promise<FactsJson | null> {
    const cache = this.facts[view];
    const cached = cache.get(device.id, device.lastSeq) ?? (await this.storedFactsJson(device.id, device.lastSeq, view));
    if (cached !== undefined) return cached;
    const snapshot = this.snapshots.get(device.id, device.lastSeq) ?? (await this.store.latestSnapshot(device.id));
    if (!snapshot) return null;
    // The parse is paid anyway: keeping it spares the device's next sign-in the cold read.
    this.snapshots.put(snapshot);
    return cache.put(snapshot, this.factsTtlMs);
  }

  /**
   * `latestFactsJson` of a page of devices (those that never reported are absent): one store query
   * for the stored views and one for the snapshots still to render. Nothing read is kept, so a
   * page of a list does not push sign-in devices out of the caches.
   */
  async latestFactsJsonMany(devices: DeviceSeq[], view: FactsView = "authentik"): Promise<Map<string, string>> {
    const cache = this.facts[view];
    const out = new Map<string, string>();
    let missing = devices.filter((d) => d.lastSeq > 0);
    for (const d of missing) {
      const hit = cache.get(d.id, d.lastSeq);
      if (hit !== undefined) out.set(d.id, jsonText(hit));
    }
    missing = missing.filter((d) => !out.has(d.id));
    if (view === "authentik" && missing.length > 0) {
      const stored = await this.store.latestViews(missing.map((d) => d.id));
      for (const d of missing) {
        const pieces = storedCachedFactsPieces(stored.get(d.id), d.lastSeq, this.factsTtlMs);
        if (pieces) out.set(d.id, jsonText(pieces));
      }
      missing = missing.filter((d) => !out.has(d.id));
    }
    if (missing.length === 0) return out;
    for (const [id, snapshot] of await this.latestSnapshots(missing, { remember: false })) {
      out.set(id, withFreshness(renderFacts(snapshot.facts, snapshot.unknown, view), snapshot.collectedAt, this.factsTtlMs));
    }
    return out;
  }

  /** The view stored at ingest for exactly (device, seq) and the current rules; undefined otherwise. */
  private async storedFactsJson(deviceId: string, seq: number, view: FactsView): Promise<FactsJson | undefined> {
    if (view !== "authentik" || seq === 0) return undefined;
    const json = storedCachedFactsPieces(await this.store.latestView(deviceId), seq, this.factsTtlMs);
    if (json === undefined) {
      this.storedViews.misses++;
      return undefined;
    }
    this.storedViews.hits++;
    // Kept as stored, deflated: otherwise each read of the device reads its row again on the main
    // thread (docs/performance.md).
    return this.facts.authentik.keep(deviceId, seq, json);
  }

  /**
   * A snapshot the agent channel has just stored and acked, with its policy facts text and its
   * authentik view made at ingest (policy-snapshot.ts, rendered-view.ts): the device's next read
   * and sign-in need no store query.
   */
  accepted(snapshot: StoredSnapshot, policyFacts?: string, view?: RenderedView): void {
    this.snapshots.put(snapshot);
    if (policyFacts !== undefined) this.policySnapshotCache.put(policySnapshotFromText(snapshot, policyFacts));
    const pieces = view && storedCachedFactsPieces({ ...view, seq: snapshot.seq, collectedAt: snapshot.collectedAt }, snapshot.seq, this.factsTtlMs);
    if (pieces) this.facts.authentik.keep(snapshot.deviceId, snapshot.seq, pieces);
  }

  /** Fills the policy snapshots' cache in the background (warm.ts); resolves with how many devices were put in. */
  warm(): Promise<number> {
    return warmLookupCaches({ store: this.store }, this.policySnapshotCache);
  }

  /** Hits, misses and sizes since start-up, for metrics. */
  stats(): LookupStats {
    return {
      snapshots: cacheStats(this.snapshots),
      policySnapshots: cacheStats(this.policySnapshotCache),
      facts: { authentik: cacheStats(this.facts.authentik), facet: cacheStats(this.facts.facet) },
      storedViews: { ...this.storedViews },
      storedPolicyFacts: { ...this.storedPolicyFacts },
    };
  }
}

function cacheStats(cache: { hits: number; misses: number; size: number; heldBytes: number }): CacheStats & { bytes: number } {
  return { hits: cache.hits, misses: cache.misses, entries: cache.size, bytes: cache.heldBytes };
}
