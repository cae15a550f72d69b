/**
 * The one storage interface of the connector. SQLite (embedded default) and PostgreSQL
 * (scale-out) implement it; everything above the store speaks only these types.
 *
 * All methods are async so a networked backend fits. Every write that must be atomic is a single
 * method here (the backend owns the transaction), never a sequence of calls from above.
 * Times are epoch milliseconds.
 */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import type { DeviceIdentity } from "./identity.ts";
import type { DeflatedText } from "./deflated-view.ts";

export type Scope = "admin" | "devices:read" | "devices:refresh" | "devices:write" | "policies:read" | "policies:write" | "events:read" | "endpoint:check" | "tokens:write" | "fleet:read" | "metrics:read";

export interface ApiToken {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: number;
  revokedAt: number | null;
}

export interface EnrollToken {
  id: string;
  label: string | null;
  /** The user every device enrolled with this token is bound to (an authority: the admin who issued it). */
  username?: string | null;
  createdAt: number;
  expiresAt: number | null;
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
}

export interface Device {
  id: string;
  name: string | null;
  /** Raw Ed25519 public key, base64. */
  publicKey: string;
  platform: string | null;
  serial: string | null;
  manufacturer: string | null;
  model: string | null;
  machineId: string | null;
  /** Hardware UUID and hostname from the latest accepted snapshot (optional: older rows lack them). */
  hardwareUuid?: string | null;
  hostname?: string | null;
  /**
   * Console user the agent reported at enrollment: a claim shown to admins, never a binding
   * (bindings are in DeviceBinding).
   */
  username: string | null;
  enrolledAt: number;
  revokedAt: number | null;
  lastSeq: number;
  lastSeenAt: number | null;
}

export interface StoredSnapshot {
  deviceId: string;
  seq: number;
  collectedAt: number;
  receivedAt: number;
  /** The exact signed canonical body and its signature, kept so anyone can re-verify later. */
  body: string;
  /**
   * The body's UTF-8, on a snapshot just received (lazy-snapshot.ts): `body` is decoded from it on
   * each read, so the main thread's heap does not hold tens of KB of text per snapshot in flight.
   */
  bodyUtf8?: Uint8Array;
  signature: string;
  facts: Facts;
  unknown: Unknown;
}

export interface FactEvent {
  id: number;
  type: string;
  at: number;
  deviceId: string | null;
  data: Record<string, unknown>;
}

export type NewEvent = Omit<FactEvent, "id">;

export interface EventQuery {
  types?: string[];
  /** Prefix match on type, e.g. `device.` */
  typePrefix?: string;
  deviceId?: string;
  since?: number;
  afterId?: number;
  /** Events with id < beforeId: the next page when paging newest first. */
  beforeId?: number;
  /** Newest (highest id) first; default oldest first. */
  newestFirst?: boolean;
  limit: number;
}

export interface DeviceQuery {
  serial?: string;
  hostname?: string;
  /** Devices bound to this user by an authority (case-insensitive). */
  username?: string;
  /** Devices whose own reports claim this user (enrollment console user or latest `users[]`). */
  claimedUsername?: string;
  platform?: string;
  /** Exact matches on identity facts, for clone/duplicate detection. */
  machineId?: string;
  hardwareUuid?: string;
  includeRevoked?: boolean;
  /** Opaque cursor: devices with id > after, ordered by id. */
  after?: string;
  /** Skip this many devices of the id order (page-numbered APIs such as Fleet's); prefer `after`. */
  offset?: number;
  limit: number;
}

export type EnrollOutcome =
  | { ok: true; device: Device }
  | { ok: false; reason: "unknown_token" | "expired_token" | "used_up_token" | "revoked_token" }
  /**
   * The public key already belongs to a device: `key_in_use` (live) or `key_revoked`. A cloned
   * agent (copied state dir, VM template) re-presenting the same key must not become a second
   * device, and a revoked key stays revoked. Checked after the token, so only a caller holding a
   * valid token learns it; no token use is counted.
   */
  | { ok: false; reason: "key_in_use" | "key_revoked" };

/** Who said a device belongs to a user. Facts never do: only these authorities. */
export type BindingSource = "admin" | "enrollment" | "idp";

export interface DeviceBinding {
  deviceId: string;
  username: string;
  source: BindingSource;
  /** The API token id (admin), enrollment token id (enrollment) or policy/setting (idp) that bound it. */
  boundBy: string;
  boundAt: number;
}

export type BindOutcome = "bound" | "already_bound" | "no_device" | "revoked_device";

export interface SnapshotWrite {
  snapshot: StoredSnapshot;
  /** Events recorded in the same transaction as the snapshot. */
  events: NewEvent[];
  /**
   * The identity columns of `snapshot.facts`, when the writer already has them: ingest reads them
   * on its verify thread, so the main thread never parses the facts just to index them.
   */
  identity?: DeviceIdentity;
  /**
   * What identity providers read of this snapshot, rendered once at ingest (lookup/stored-view.ts)
   * and kept for the device's latest snapshot only, so a lookup never parses the body.
   */
  view?: RenderedView;
  /**
   * What sign-ins evaluate of this snapshot (lookup/policy-snapshot.ts), made once at ingest and
   * kept for the device's latest snapshot only, so a sign-in after a restart reads a few KB
   * instead of the whole body.
   */
  policyFacts?: PolicyFacts;
  /**
   * Copies of the snapshot's body bytes and of the view's deflated bytes that nothing else holds,
   * which the store may move to its writer thread instead of cloning them there (made on a verify
   * thread: agent-channel/frame-verdict.ts).
   */
  storeCopy?: StoreCopy;
}

export interface StoreCopy {
  body: Uint8Array;
  view: Uint8Array;
}

/** The policy facts text of one snapshot, and the version of its shape (lookup/policy-snapshot.ts POLICY_FACTS_VERSION). */
export interface PolicyFacts {
  version: number;
  text: string;
}

/** The stored policy facts of a device's latest snapshot: used only when `seq` is the device's `lastSeq` and `version` is current. */
export interface StoredPolicyFacts extends PolicyFacts {
  seq: number;
  collectedAt: number;
}

/**
 * The serialized authentik `cached_facts` core of one snapshot, as stored (store/deflated-view.ts),
 * and the rules version it was rendered with.
 */
export interface RenderedView extends DeflatedText {
  version: number;
}

/** The stored view of a device's latest snapshot: used only when `seq` is the device's `lastSeq` and `version` is current. */
export interface StoredView extends RenderedView {
  seq: number;
  collectedAt: number;
}

/** `accepted`, or why the conditional write did not apply (checked again inside the transaction). */
export type SnapshotWriteResult = "accepted" | "replayed_seq" | "unknown_device" | "revoked_device";

export interface TokenStore {
  createApiToken(token: ApiToken, hash: string): Promise<void>;
  /** The live (not revoked) token whose hash matches; callers hash with a keyed hash first. */
  findApiTokenByHash(hash: string): Promise<ApiToken | null>;
  listApiTokens(): Promise<ApiToken[]>;
  revokeApiToken(id: string, at: number): Promise<boolean>;

  createEnrollToken(token: EnrollToken, hash: string): Promise<void>;
  listEnrollTokens(): Promise<EnrollToken[]>;
  revokeEnrollToken(id: string, at: number): Promise<boolean>;
}

export interface DeviceStore {
  /**
   * Atomically: check the token (exists, not expired, uses left), check that no device has this
   * public key, count a use, insert the device, bind it to the token's user if it names one,
   * record `device.enrolled`.
   */
  enrollDevice(tokenHash: string, device: Device, now: number): Promise<EnrollOutcome>;
  getDevice(id: string): Promise<Device | null>;
  listDevices(query: DeviceQuery): Promise<Device[]>;
  /** Live devices bound to the user by an authority (case-insensitive), most recently seen first. */
  findDevicesBoundTo(username: string): Promise<Device[]>;
  /** Live devices whose own reports claim the user: for admins' eyes, never for a verdict. */
  findDevicesClaiming(username: string): Promise<Device[]>;
  /** Binds the device to the user and records `event` in the same transaction; a binding that exists is left as it is. */
  bindUser(binding: DeviceBinding, event: NewEvent): Promise<BindOutcome>;
  /** Removes the binding and records `event` atomically; false when there was none. */
  unbindUser(deviceId: string, username: string, event: NewEvent): Promise<boolean>;
  /** Bindings of each device, by device id (devices without any are absent). */
  bindingsOf(deviceIds: string[]): Promise<Map<string, DeviceBinding[]>>;
  revokeDevice(id: string, at: number): Promise<boolean>;
  touchDevice(id: string, at: number): Promise<void>;
  /** How many live (not revoked) devices there are: what caches are sized from. */
  countDevices(): Promise<number>;
}

export interface SnapshotStore {
  /**
   * Writes a batch in one transaction; each item applies only if its seq is greater than the
   * device's last accepted seq and the device is live. Returns one result per item, in order.
   * Resolves only once the transaction is durable: callers ack after this.
   * An accepted item also refreshes the device's identity columns (see store/identity.ts),
   * its usernames, last_seen and last_seq, and prunes its history to the store's cap.
   */
  writeSnapshots(batch: SnapshotWrite[]): Promise<SnapshotWriteResult[]>;
  latestSnapshot(deviceId: string): Promise<StoredSnapshot | null>;
  latestSnapshots(deviceIds: string[]): Promise<Map<string, StoredSnapshot>>;
  snapshotHistory(deviceId: string, limit: number): Promise<StoredSnapshot[]>;
  /** The view stored with the device's latest accepted snapshot that had one, or null. */
  latestView(deviceId: string): Promise<StoredView | null>;
  /** `latestView` of many devices (those without one are absent), in one query. */
  latestViews(deviceIds: string[]): Promise<Map<string, StoredView>>;
  /** The policy facts stored with each device's latest accepted snapshot that had them (devices without are absent), in one query. */
  latestPolicyFacts(deviceIds: string[]): Promise<Map<string, StoredPolicyFacts>>;
}

/** What pruneEvents deletes; every bound is optional. Times are epoch ms. */
export interface EventRetention {
  /** Delete events recorded before this, except types listed in `beforeByType`. */
  before?: number;
  /** Per-type cut-offs that replace `before` for those types (short for the per-snapshot `snapshot.accepted`). */
  beforeByType?: Record<string, number>;
  /**
   * Then keep at most this many events, the newest: a backstop on disk use whatever the rate.
   * With `auditTypes`, the bound applies to those types and to all others separately, so noise
   * never pushes an audit event out.
   */
  maxRows?: number;
  /** Event types counted apart from the rest under `maxRows` (connector/events/audit.ts). */
  auditTypes?: readonly string[];
  /** Rows per delete transaction. Default 5,000. */
  batchSize?: number;
}

export interface EventStore {
  recordEvent(event: NewEvent): Promise<void>;
  /** Several events in one transaction (sign-in decisions are written this way, batched). */
  recordEvents(events: NewEvent[]): Promise<void>;
  listEvents(query: EventQuery): Promise<FactEvent[]>;
  /**
   * Deletes events outside the retention, oldest first, in small transactions so ingest is never
   * blocked for long. Returns the number deleted. Idempotent: replicas may run it concurrently.
   */
  pruneEvents(retention: EventRetention): Promise<number>;
}

export interface SettingsStore {
  /** Small named JSON documents (the OS release catalog, the installation's HMAC pepper). */
  getSetting<T = unknown>(key: string): Promise<T | null>;
  putSetting(key: string, value: unknown): Promise<void>;
  /**
   * Stores `value` unless `key` already has one, atomically, and returns what the key holds
   * afterwards: the first writer's value. Replicas starting together each propose one and all
   * end up using the same (the device CA, connector/device-ca/stored-ca.ts).
   */
  insertSettingIfAbsent<T = unknown>(key: string, value: T): Promise<T>;
}

/** A device assurance policy as stored; `body` is the validated document (connector/policy/schema.ts). */
export interface StoredPolicy {
  id: string;
  /** 1 at creation, +1 on every replace. */
  version: number;
  name: string;
  platform: string;
  body: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface PolicyReplacement {
  id: string;
  name: string;
  platform: string;
  body: Record<string, unknown>;
  at: number;
}

export interface PolicyStore {
  /** Inserts the policy and records `event` in the same transaction. */
  createPolicy(policy: StoredPolicy, event: NewEvent): Promise<void>;
  getPolicy(id: string): Promise<StoredPolicy | null>;
  /** The policies that exist among `ids`, in the order given. */
  getPolicies(ids: string[]): Promise<StoredPolicy[]>;
  listPolicies(): Promise<StoredPolicy[]>;
  /**
   * Replaces the whole policy (version + 1) and records the event `describe` builds from the
   * before and after rows, atomically. Null when there is no such policy.
   */
  replacePolicy(next: PolicyReplacement, describe: (before: StoredPolicy, after: StoredPolicy) => NewEvent): Promise<StoredPolicy | null>;
  /** Deletes the policy with its compliance state and records the event, atomically. Null when absent. */
  deletePolicy(id: string, describe: (before: StoredPolicy) => NewEvent): Promise<StoredPolicy | null>;
}

/** Grace bookkeeping per device × policy × check. Epoch ms. */
export interface ComplianceCheckState {
  policyId: string;
  check: string;
  firstFailedAt: number | null;
  lastPassedAt: number | null;
}

/** The latest evaluation of a device against a policy. */
export interface ComplianceRecord {
  deviceId: string;
  policyId: string;
  policyVersion: number;
  result: string;
  passing: boolean;
  evaluatedAt: number;
  /** The evaluation as served (checks with observed/expected, grace deadlines). */
  detail: Record<string, unknown>;
}

export interface ComplianceWrite {
  record: ComplianceRecord;
  /** Check states that changed in this evaluation. */
  checks: ComplianceCheckState[];
  /**
   * Recorded only when `result` or `passing` differs from the stored record (or none is stored);
   * the store adds `previous: { result, passing } | null` to its data.
   */
  changedEvent: NewEvent;
}

/** A stored record without its detail: what an evaluation compares its result with. */
export type StoredVerdict = Omit<ComplianceRecord, "deviceId" | "detail">;

/** What evaluating a device reads about its past: every check state and every stored verdict. */
export interface EvaluationState {
  checks: ComplianceCheckState[];
  verdicts: StoredVerdict[];
}

export interface ComplianceStore {
  getCheckStates(deviceId: string, policyIds: string[]): Promise<ComplianceCheckState[]>;
  /** The device's check states and stored verdicts (every policy), in one read. */
  evaluationState(deviceId: string): Promise<EvaluationState>;
  /** The latest record per policy for a device. */
  getCompliance(deviceId: string): Promise<ComplianceRecord[]>;
  /** Writes records, check states and change events in one transaction; returns, per write, whether it changed. */
  recordCompliance(writes: ComplianceWrite[]): Promise<boolean[]>;
}

/** Where a device stands against the policies, from its stored compliance records. */
export type FleetCompliance = "failing" | "passing" | "unevaluated";

/**
 * The console's fleet list: filters that every page and count share, ordered by display name
 * (name, else hostname; case-insensitive) then id, paged by a keyset cursor so page 1,000 costs
 * what page 1 does.
 */
export interface FleetQuery {
  /** Case-insensitive substring of name, hostname, serial, id or the enrollment username. */
  search?: string;
  platform?: string;
  /** Devices bound to this user by an authority, as DeviceQuery.username (case-insensitive). */
  username?: string;
  /** failing: a stored result is not passing; passing: results stored, all passing; unevaluated: none stored. */
  compliance?: FleetCompliance;
  /** stale: no facts, or facts collected before `staleBefore`. */
  freshness?: "stale" | "fresh";
  staleBefore: number;
  includeRevoked?: boolean;
  /** The last row of the previous page: rows strictly after it. */
  after?: { sortKey: string; id: string };
  limit: number;
}

/** Devices matching a FleetQuery's filters (compliance and freshness left out), by both. */
export type FleetCounts = Record<FleetCompliance, { stale: number; fresh: number }>;

/** A stored compliance result without its detail, for lists. */
export interface ComplianceSummary {
  deviceId: string;
  policyId: string;
  result: string;
  passing: boolean;
  evaluatedAt: number;
}

export interface FleetStore {
  /** The page's devices with their sort key (the cursor of the next page is the last row's). */
  listFleet(query: FleetQuery): Promise<{ device: Device; sortKey: string }[]>;
  countFleet(query: Omit<FleetQuery, "compliance" | "freshness" | "after" | "limit">): Promise<FleetCounts>;
  complianceSummaries(deviceIds: string[]): Promise<ComplianceSummary[]>;
}

export interface Store extends TokenStore, DeviceStore, SnapshotStore, EventStore, SettingsStore, PolicyStore, ComplianceStore, FleetStore {
  readonly kind: "sqlite" | "postgres";
  /** Row counts per table: for tests proving that a rejected input changed nothing. */
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}
