import { availableParallelism } from "node:os";
import { getHeapStatistics } from "node:v8";
import { DEFAULT_CATALOG_SOURCES, type CatalogSources } from "./os-catalog/sources.ts";
import { DEFAULT_CATALOG_MAX_AGE_DAYS } from "./policy/catalog/freshness.ts";

/** The snapshot expiry authentik uses too (`factsTtlMs`). */
export const DEFAULT_MAX_FACT_AGE_SECONDS = 24 * 3600;

/** Every tunable of the connector, with safe defaults. Times in milliseconds unless named otherwise. */
export interface ConnectorLimits {
  /** Largest WebSocket frame accepted; bigger frames close the connection with 1009. */
  maxPayload: number;
  /** Largest REST request body. */
  maxBodyBytes: number;
  /** How far in the future a snapshot's collectedAt may be. */
  maxClockSkewSeconds: number;
  /** How old a snapshot's collectedAt may be (an agent resending after a long outage). */
  maxSnapshotAgeSeconds: number;
  /** Time allowed between the WebSocket opening and a valid `auth`. */
  authTimeoutMs: number;
  /** Ping every this often; a peer that has not answered the previous ping is dropped. */
  heartbeatMs: number;
  /** Token bucket per connection: burst size and sustained frames per second. */
  frameBurst: number;
  framesPerSecond: number;
  /** Frames received but not yet processed, per connection, before the peer is told to slow down. */
  maxPendingFrames: number;
  /**
   * Frames received from all agents and not yet answered (being checked or waiting for the store);
   * at this many, agent sockets that deliver more are no longer read until it is down to half.
   */
  maxIngestQueue: number;
  /**
   * Agent-socket reads (chunks of up to 64 KB) the event loop handles per turn; past it, sockets
   * that deliver wait for a later turn, so HTTP requests are answered between them (read-turns.ts).
   */
  agentReadsPerTurn: number;
  /** Threads that check agent frames (signature, parse, schema) off the event loop; 0: on it. */
  verifyThreads: number;
  /** Bytes queued for a peer that does not read before the connection is dropped. */
  maxBufferedBytes: number;
  /** Seconds between unprompted snapshots, sent to agents in `welcome`. */
  snapshotIntervalSeconds: number;
  /** How long a cached snapshot counts as fresh in the device view (authentik uses 24 h). */
  factsTtlMs: number;
  /** Heap bytes the latest whole snapshots kept in memory may take (connector/lookup/snapshot-cache.ts). */
  snapshotCacheBytes: number;
  /** Heap bytes the policy snapshots sign-ins evaluate may take (connector/lookup/policy-snapshot.ts). */
  policySnapshotCacheBytes: number;
  /** Bytes of serialized device facts kept for `GET /v1/devices/{id}` and the check, at most (connector/lookup/facts-cache.ts). */
  factsCacheBytes: number;
  /** Snapshots per ingest transaction. */
  batchMaxSize: number;
  /** Events older than this many days are pruned (0: no age limit). */
  eventRetentionDays: number;
  /** `snapshot.accepted` (one per snapshot, the bulk of the log) is pruned sooner (0: same as other events). */
  snapshotEventRetentionDays: number;
  /** At most this many events are kept, the newest (0: no row limit). */
  eventMaxRows: number;
  /** How often the pruner runs (it also runs once shortly after start). */
  eventPruneIntervalMs: number;
  /** Rejection events (`agent.auth_failed`, `enroll.rejected`, …) recorded per source per window; the rest are counted. */
  rejectionEventsPerWindow: number;
  rejectionWindowMs: number;
  /** Agent WebSockets not yet authenticated, per address (IPv6 per /64): past it, upgrades answer 429. */
  maxUnauthenticatedPerAddress: number;
  /** Agent WebSockets not yet authenticated, in total: past it, upgrades answer 503. */
  maxUnauthenticated: number;
  /** Time to receive a whole REST request, headers and body; a slower one gets 408 and is closed. */
  requestTimeoutMs: number;
  /** Past this many days since its `publishedAt`, the OS release catalog cannot vouch for "latest": such checks are UNKNOWN. */
  osCatalogMaxAgeDays: number;
  /** Fact age limit for policies without `maxFactAge`: older facts never pass (a silent agent stops passing). */
  defaultMaxFactAgeSeconds: number;
  /** Bind a device to the user an identity provider vouched for on a sign-in proven by the device's certificate, while the device has no binding yet. */
  bindOnVerifiedSignIn: boolean;
  /** A device is asked for fresh facts by sign-ins at most this often; sign-ins in between share the answer or use the cache. */
  signInRefreshIntervalMs: number;
  /** Lifetime of a device certificate (agents renew at half-life); short, so a revoked device's certificate dies soon. */
  deviceCertDays: number;
  /** Device certificates issued to one device per rolling hour, at most. */
  deviceCertsPerHour: number;
  /**
   * How often the connector updates the OS release catalog from its sources, with ±10 % jitter;
   * 0: never on its own (`facet os-catalog update` still works). `serve` defaults to a day.
   */
  osCatalogRefreshMs: number;
  /** The feeds the catalog is built from (os-catalog/sources.ts). */
  osCatalogSources: CatalogSources;
  /** Per feed request: a source that does not answer in time counts as unreachable. */
  osCatalogFetchTimeoutMs: number;
}

function heapShare(parts: number): number {
  return Math.floor(getHeapStatistics().heap_size_limit / parts);
}

export const DEFAULT_LIMITS: ConnectorLimits = {
  // A full facts document with 5,000 software entries is ~0.6 MB, and the body travels
  // JSON-escaped inside the frame; 2 MiB leaves room without inviting memory abuse.
  maxPayload: 2 * 1024 * 1024,
  maxBodyBytes: 64 * 1024,
  maxClockSkewSeconds: 300,
  maxSnapshotAgeSeconds: 7 * 24 * 3600,
  authTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  frameBurst: 20,
  framesPerSecond: 2,
  maxPendingFrames: 8,
  // Enough to keep the verify threads busy and the store's batches full; each frame is held
  // here while it waits, up to maxPayload.
  maxIngestQueue: 512,
  agentReadsPerTurn: 16,
  verifyThreads: availableParallelism(),
  maxBufferedBytes: 1024 * 1024,
  snapshotIntervalSeconds: 15 * 60,
  factsTtlMs: 24 * 3600 * 1000,
  // An eighth of the heap each: whatever the fleet's size and its snapshots', the caches cannot exhaust it.
  snapshotCacheBytes: heapShare(8),
  factsCacheBytes: heapShare(8),
  // A few KB per device: a sixteenth holds a fleet of tens of thousands (docs/scale.md).
  policySnapshotCacheBytes: heapShare(16),
  batchMaxSize: 256,
  eventRetentionDays: 90,
  // The snapshot itself (with capped history) is the durable record; its acceptance event is noise after a week.
  snapshotEventRetentionDays: 7,
  // ~200 bytes a row: about 1 GB of events at most.
  eventMaxRows: 5_000_000,
  eventPruneIntervalMs: 10 * 60_000,
  rejectionEventsPerWindow: 10,
  rejectionWindowMs: 60_000,
  // Authentication takes one round trip, so even a NAT with hundreds of agents reconnecting at
  // once rarely has this many pending; a refused agent retries with backoff.
  maxUnauthenticatedPerAddress: 512,
  maxUnauthenticated: 4096,
  // Bodies are at most 64 KiB: 15 s is ample for any real client, and bounds a slow-loris body.
  requestTimeoutMs: 15_000,
  // One Patch Tuesday cycle plus slack to import the next catalog (see catalog/freshness.ts).
  osCatalogMaxAgeDays: DEFAULT_CATALOG_MAX_AGE_DAYS,
  defaultMaxFactAgeSeconds: DEFAULT_MAX_FACT_AGE_SECONDS,
  bindOnVerifiedSignIn: false,
  signInRefreshIntervalMs: 10_000,
  deviceCertDays: 7,
  // Renewal needs one every few days; a few per hour absorbs retries and reinstalls, not a loop.
  deviceCertsPerHour: 4,
  // Off for an embedded connector (tests, benches): only `serve` reaches out to the internet by default.
  osCatalogRefreshMs: 0,
  osCatalogSources: DEFAULT_CATALOG_SOURCES,
  osCatalogFetchTimeoutMs: 30_000,
};

export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
