/**
 * The store reads every endpoint check makes, served from memory: device rows (`getDevice`),
 * policies (`getPolicies`), each device's evaluation state (`evaluationState`), and how a check
 * finds its device when named by serial (`listDevices({ serial, limit })`) or by user
 * (`findDevicesBoundTo`, `bindingsOf`). A Proxy over the store, like metrics/store.ts, so the store
 * keeps its identity and every other method.
 *
 * Write-through: every write that changes one of these rows goes through this wrapper to the
 * store, and once it has returned (committed, or failed) the affected entries are dropped, so the
 * next read of them goes to the store. The two lookups by serial and by user keep device ids only,
 * and every use re-reads those devices' rows (from memory) and checks them: a device whose serial
 * changed, or that was revoked, makes the entry a miss. What that check cannot see — a device
 * newly reporting a serial, a new or removed binding — drops the entry at the write: the serial a
 * snapshot or an enrollment sets, the user a binding names. Entries are only ever values read
 * from the store after the last write this process made or heard of (read-through.ts closes the
 * read/write race); a miss, or any doubt, reads the store.
 *
 * Other replicas (PostgreSQL) hear of each write over the cluster bus (LISTEN/NOTIFY,
 * cluster/bus.ts): the writer publishes which entries to drop before its caller is answered, and
 * a reader first syncs with the bus (one round trip on the listening connection, shared by the
 * reads that arrive meanwhile), so every drop published before the read has been applied: a write
 * on replica A is seen by replica B's next read. While the bus is not listening nothing is kept or
 * served from memory, and everything is dropped whenever it reconnects (a NOTIFY sent meanwhile
 * is lost). A PostgreSQL store without a bus cannot hear other replicas at all, so it is not cached.
 *
 *   const cached = cacheStoreReads(store, { devices: await store.countDevices(), bus });
 *   const device = await cached.store.getDevice(id); // memory after the first read
 */
import { identityFromFacts } from "../identity.ts";
import type { Device, DeviceBinding, DeviceQuery, EvaluationState, SnapshotWrite, Store, StoredPolicy } from "../types.ts";
import { ReadThroughCache } from "./read-through.ts";

export interface CacheBusMessage {
  to: string;
  from: string;
  type: string;
  [key: string]: unknown;
}

/** The replicas' bus as the cache uses it (cluster/bus.ts ClusterBus). */
export interface CacheBus {
  readonly replicaId: string;
  readonly isListening: boolean;
  /** Resolves once every message published before the call has been delivered here. */
  sync(): Promise<void>;
  publish(message: CacheBusMessage): Promise<void>;
  on(event: "message", listener: (message: CacheBusMessage) => void): unknown;
  on(event: "resync", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

export interface ReadCacheOptions {
  /** Live devices at start: the per-device caches hold this many, with room, and grow as devices enroll. */
  devices: number;
  /** Other replicas' writes, and where ours are announced; null when this process is the only writer (SQLite). */
  bus: CacheBus | null;
  /** Called with the new per-device capacity whenever enrollments grow it. */
  onGrow?: (capacity: number) => void;
  log?: { warn(object: object, message: string): void };
}

export interface CachedStoreReads<S extends Store> {
  store: S;
  /** How many devices the per-device caches hold now. */
  readonly capacity: number;
  stats(): Record<"devices" | "evaluation_states" | "policies" | "serials" | "bound_devices" | "bindings", { hits: number; misses: number; entries: number }>;
}

export const INVALIDATE = "store.invalidate";
/**
 * Bytes of keys per bus message: NOTIFY payloads are limited to 8000 bytes. Serials and usernames
 * are the devices' and identity providers' words, of any length: a key too long for one message
 * is announced as "drop everything".
 */
const KEY_BYTES_PER_MESSAGE = 6000;
const MIN_CAPACITY = 1024;

/** Room for the fleet and a quarter more, so enrollments do not evict at once. */
export function capacityFor(devices: number): number {
  return Math.max(MIN_CAPACITY, Math.ceil(devices * 1.25));
}

interface Invalidation {
  devices?: string[];
  evaluations?: string[];
  policies?: string[];
  /** Serials some device now reports (listDevices by serial). */
  serials?: string[];
  /** Users a binding was added to or removed from, as userKey folds them (findDevicesBoundTo). */
  users?: string[];
  /** Devices whose bindings changed (bindingsOf). */
  bindings?: string[];
  /** Every user's entry: a binding named a user whose case folding this cache does not mirror. */
  allUsers?: boolean;
  all?: boolean;
}

const KINDS = ["devices", "evaluations", "policies", "serials", "users", "bindings"] as const;

/** The bus messages announcing a drop, each within a NOTIFY payload. */
function announcements(what: Invalidation): Invalidation[] {
  const messages: Invalidation[] = [];
  if (what.allUsers) messages.push({ allUsers: true });
  for (const kind of KINDS) {
    let chunk: string[] = [];
    let bytes = 0;
    for (const key of new Set(what[kind] ?? [])) {
      const size = Buffer.byteLength(JSON.stringify(key)) + 1;
      if (size > KEY_BYTES_PER_MESSAGE) return [{ all: true }];
      if (bytes + size > KEY_BYTES_PER_MESSAGE) (messages.push({ [kind]: chunk }), (chunk = []), (bytes = 0));
      chunk.push(key);
      bytes += size;
    }
    if (chunk.length > 0) messages.push({ [kind]: chunk });
  }
  return what.all ? [{ all: true }] : messages;
}

/** The only listDevices query the read cache answers: live devices reporting one serial, first by id. */
function isSerialLookup(query: DeviceQuery): query is { serial: string; limit: number } {
  let keys = 0;
  for (const key in query) if (query[key as keyof DeviceQuery] !== undefined) keys++;
  return query.serial !== undefined && keys === 2 && query.limit > 0;
}

/**
 * The key of a user's bound devices: lower case, for usernames of ASCII only. The stores compare
 * usernames case-insensitively (SQLite NOCASE: ASCII only; PostgreSQL lower(): the locale's), so
 * only for ASCII is one folding certain to be theirs; other names are not cached.
 */
function userKey(username: string): string | null {
  return /^[\x00-\x7f]*$/.test(username) ? username.toLowerCase() : null;
}

/** The serials a batch of snapshots may have set: the identity columns each store writes (store/identity.ts). */
function serialsWritten(batch: SnapshotWrite[]): string[] {
  const serials: string[] = [];
  for (const write of batch) {
    const serial = (write.identity ?? identityFromFacts(write.snapshot.facts)).serial;
    if (serial === null) continue;
    serials.push(serial);
    // PostgreSQL stores text without NUL characters (postgres/snapshot-batch.ts).
    if (serial.includes("\0")) serials.push(serial.replaceAll("\0", ""));
  }
  return serials;
}

/** Most recently seen first, then by id: the order of findDevicesBoundTo in both stores. */
function byLastSeen(a: Device, b: Device): number {
  if (a.lastSeenAt !== b.lastSeenAt) return a.lastSeenAt === null ? 1 : b.lastSeenAt === null ? -1 : b.lastSeenAt - a.lastSeenAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const ids = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

export function cacheStoreReads<S extends Store>(store: S, options: ReadCacheOptions): CachedStoreReads<S> {
  const { bus } = options;
  // Without a bus, only a SQLite store (one process, its instance lock) sees every write here.
  const cacheable = bus !== null || store.kind === "sqlite";
  let fleet = options.devices;
  let capacity = capacityFor(fleet);
  const devices = new ReadThroughCache<Device>(capacity);
  const evaluations = new ReadThroughCache<EvaluationState>(capacity);
  const policies = new ReadThroughCache<StoredPolicy>(MIN_CAPACITY);
  /** Per serial: the ids of the live devices reporting it (first by id, at most `limit`), as last read. */
  const serials = new ReadThroughCache<{ limit: number; ids: readonly string[] }>(capacity);
  /** Per userKey: the exact username read, and the ids of the live devices bound to it. */
  const boundTo = new ReadThroughCache<{ username: string; ids: readonly string[] }>(capacity);
  /** Per device: its bindings, in the store's order (an empty list when it has none). */
  const bindings = new ReadThroughCache<readonly DeviceBinding[]>(capacity);
  const perDevice = [devices, evaluations, serials, boundTo, bindings];

  const clear = () => {
    for (const cache of perDevice) cache.clear();
    policies.clear();
  };
  let wasActive = true;
  /**
   * Whether memory may be used for a read starting now: on a bus, once the drops published before
   * it are applied. Everything is dropped on the way out, as NOTIFYs may be missed meanwhile.
   */
  const active = async (): Promise<boolean> => {
    let now = cacheable && (bus?.isListening ?? true);
    if (now && bus) now = await bus.sync().then(() => bus.isListening, () => false);
    if (!now && wasActive) clear();
    wasActive = now;
    return now;
  };

  const caches = { devices, evaluations, policies, serials, users: boundTo, bindings };
  const drop = (what: Invalidation) => {
    if (what.all) return clear();
    if (what.allUsers) boundTo.clear();
    for (const kind of KINDS) for (const key of what[kind] ?? []) caches[kind].invalidate(key);
  };

  if (bus) {
    bus.on("message", (m) => {
      if (m.type !== INVALIDATE || m.from === bus.replicaId) return;
      const heard: Invalidation = { all: m.all === true, allUsers: m.allUsers === true };
      for (const kind of KINDS) heard[kind] = ids(m[kind]);
      drop(heard);
    });
    bus.on("error", clear);
    bus.on("resync", clear);
  }

  /** Drops the entries locally, then tells the other replicas before the writer's caller is answered. */
  async function invalidate(what: Invalidation): Promise<void> {
    drop(what);
    if (!bus) return;
    const messages = announcements(what);
    for (const message of messages) {
      try {
        await bus.publish({ to: "*", from: bus.replicaId, type: INVALIDATE, ...message });
      } catch (err) {
        // The write stands. PostgreSQL is out of reach from here, so the other replicas' listeners
        // have most likely lost it too, and they drop everything when they reconnect.
        options.log?.warn({ err: (err as Error).message }, "could not announce a write to the other replicas");
      }
    }
  }

  /** Runs a write, then invalidates what it touched, whether it committed or failed. */
  async function written<T>(write: Promise<T>, what: (result: T | undefined) => Invalidation | Promise<Invalidation>): Promise<T> {
    let result: T | undefined;
    try {
      result = await write;
      return result;
    } finally {
      await invalidate(await what(result));
    }
  }

  const deviceRow = (id: string) =>
    devices.read(id, async () => {
      const device = await store.getDevice(id);
      return device && Object.freeze(device);
    });

  const boundChanged = (deviceId: string, username: string): Invalidation => {
    const key = userKey(username);
    return key === null ? { bindings: [deviceId], allUsers: true } : { bindings: [deviceId], users: [key] };
  };
  /**
   * A new device: the serial it was enrolled with, and the user its enrollment token bound it to,
   * which only the store knows (read back; if that fails, every user's entry is dropped).
   */
  const enrolled = async (device: Device): Promise<Invalidation> => {
    const what: Invalidation = { devices: [device.id], bindings: [device.id], serials: device.serial === null ? [] : [device.serial] };
    try {
      const users = ((await store.bindingsOf([device.id])).get(device.id) ?? []).map((b) => userKey(b.username));
      if (users.includes(null)) what.allUsers = true;
      else what.users = users as string[];
    } catch {
      what.allUsers = true;
    }
    return what;
  };

  const overrides: Partial<Store> = {
    async getDevice(id) {
      if (!(await active())) return store.getDevice(id);
      return deviceRow(id);
    },
    async listDevices(query) {
      if (!isSerialLookup(query) || !(await active())) return store.listDevices(query);
      const { serial, limit } = query;
      const held = serials.get(serial);
      // An entry read with a smaller limit answers a larger one only if it held fewer than its limit.
      if (held && (limit <= held.limit || held.ids.length < held.limit)) {
        const rows = await Promise.all(held.ids.map(deviceRow));
        if (rows.every((d) => d !== null && d.serial === serial && d.revokedAt === null)) return (rows as Device[]).slice(0, limit);
      }
      return serials.fill(serial, () => store.listDevices(query), (found) => Object.freeze({ limit, ids: Object.freeze(found.map((d) => d.id)) }));
    },
    async findDevicesBoundTo(username) {
      const key = userKey(username);
      if (key === null || !(await active())) return store.findDevicesBoundTo(username);
      const held = boundTo.get(key);
      if (held && held.username === username) {
        // Bindings change only through writes that drop this entry; a revoked device stays bound but is left out.
        const rows = await Promise.all(held.ids.map(deviceRow));
        return rows.filter((d): d is Device => d !== null && d.revokedAt === null).sort(byLastSeen);
      }
      return boundTo.fill(key, () => store.findDevicesBoundTo(username), (found) => Object.freeze({ username, ids: Object.freeze(found.map((d) => d.id)) }));
    },
    async bindingsOf(deviceIds) {
      if (!(await active())) return store.bindingsOf(deviceIds);
      const held = new Map<string, DeviceBinding[]>();
      const missing = new Map<string, object>();
      for (const id of deviceIds) {
        if (held.has(id) || missing.has(id)) continue;
        const list = bindings.get(id);
        if (list) held.set(id, list as DeviceBinding[]);
        else missing.set(id, bindings.begin(id));
      }
      if (missing.size > 0) {
        try {
          const read = await store.bindingsOf([...missing.keys()]);
          for (const [id, token] of missing) {
            const list = deepFreeze(read.get(id) ?? []);
            held.set(id, list);
            bindings.keep(id, token, list);
          }
        } finally {
          for (const [id, token] of missing) bindings.end(id, token);
        }
      }
      // As the store answers: devices without a binding are absent.
      return new Map([...held].filter(([, list]) => list.length > 0));
    },
    async getPolicies(wanted) {
      if (!(await active())) return store.getPolicies(wanted);
      const held = new Map<string, StoredPolicy>();
      const missing: { id: string; token: object }[] = [];
      for (const id of new Set(wanted)) {
        const policy = policies.get(id);
        if (policy) held.set(id, policy);
        else missing.push({ id, token: policies.begin(id) });
      }
      if (missing.length > 0) {
        try {
          for (const policy of await store.getPolicies(missing.map((m) => m.id))) {
            const frozen = deepFreeze(policy);
            held.set(policy.id, frozen);
            policies.keep(policy.id, missing.find((m) => m.id === policy.id)!.token, frozen);
          }
        } finally {
          for (const m of missing) policies.end(m.id, m.token);
        }
      }
      return wanted.flatMap((id) => held.get(id) ?? []);
    },
    async evaluationState(deviceId) {
      if (!(await active())) return store.evaluationState(deviceId);
      return (await evaluations.read(deviceId, async () => deepFreeze(await store.evaluationState(deviceId))))!;
    },

    async enrollDevice(tokenHash, device, now) {
      const outcome = await written(store.enrollDevice(tokenHash, device, now), (done) => (done?.ok ? enrolled(done.device) : {}));
      if (outcome.ok && ++fleet > capacity * 0.8) {
        capacity = Math.max(capacityFor(fleet), Math.ceil(capacity * 1.5));
        for (const cache of perDevice) cache.grow(capacity);
        options.onGrow?.(capacity);
      }
      return outcome;
    },
    writeSnapshots: (batch) => written(store.writeSnapshots(batch), () => ({ devices: batch.map((w) => w.snapshot.deviceId), serials: serialsWritten(batch) })),
    bindUser: (binding, event) => written(store.bindUser(binding, event), () => boundChanged(binding.deviceId, binding.username)),
    unbindUser: (deviceId, username, event) => written(store.unbindUser(deviceId, username, event), () => boundChanged(deviceId, username)),
    revokeDevice: (id, at) => written(store.revokeDevice(id, at), () => ({ devices: [id] })),
    touchDevice: (id, at) => written(store.touchDevice(id, at), () => ({ devices: [id] })),
    createPolicy: (policy, event) => written(store.createPolicy(policy, event), () => ({ policies: [policy.id] })),
    replacePolicy: (next, describe) => written(store.replacePolicy(next, describe), () => ({ policies: [next.id] })),
    // Deleting a policy deletes every device's state for it.
    deletePolicy: (id, describe) => written(store.deletePolicy(id, describe), () => ({ all: true })),
    async recordCompliance(writes) {
      const evaluated = [...new Set(writes.map((w) => w.record.deviceId))];
      const outcome = await written(store.recordCompliance(writes), () => ({ evaluations: evaluated }));
      // Read back in the background: a device evaluated at a sign-in is likely to sign in again
      // soon, and its next check would otherwise be the one to wait for this read.
      for (const id of evaluated) void overrides.evaluationState!(id).catch(() => undefined);
      return outcome;
    },
  };

  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      if (typeof property === "string" && Object.hasOwn(overrides, property)) return overrides[property as keyof Store];
      return Reflect.get(target, property, receiver === proxy ? target : receiver);
    },
    // Whoever wraps one of these methods afterwards (a test, the bench) wraps the cached one.
    set(target, property, value) {
      if (typeof property === "string" && Object.hasOwn(overrides, property)) (overrides as Record<string, unknown>)[property] = value;
      else Reflect.set(target, property, value);
      return true;
    },
  });
  const stats = (c: { hits: number; misses: number; size: number }) => ({ hits: c.hits, misses: c.misses, entries: c.size });
  return {
    store: proxy,
    get capacity() {
      return capacity;
    },
    stats: () => ({
      devices: stats(devices),
      evaluation_states: stats(evaluations),
      policies: stats(policies),
      serials: stats(serials),
      bound_devices: stats(boundTo),
      bindings: stats(bindings),
    }),
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
