/**
 * The store reads every endpoint check makes, served from memory: device rows (`getDevice`),
 * policies (`getPolicies`) and each device's evaluation state (`evaluationState`). A Proxy over
 * the store, like metrics/store.ts, so the store keeps its identity and every other method.
 *
 * Write-through: every write that changes one of these rows goes through this wrapper to the
 * store, and once it has returned (committed, or failed) the affected entries are dropped, so the
 * next read of them goes to the store. Entries are only ever values read from the store after the
 * last write this process made or heard of (read-through.ts closes the read/write race); a miss,
 * or any doubt, reads the store.
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
import type { Device, EvaluationState, Store, StoredPolicy } from "../types.ts";
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
  stats(): Record<"devices" | "evaluation_states" | "policies", { hits: number; misses: number; entries: number }>;
}

export const INVALIDATE = "store.invalidate";
/** Ids per bus message: NOTIFY payloads are limited to 8000 bytes and ids are at most 128 characters. */
const IDS_PER_MESSAGE = 50;
const MIN_CAPACITY = 1024;

/** Room for the fleet and a quarter more, so enrollments do not evict at once. */
export function capacityFor(devices: number): number {
  return Math.max(MIN_CAPACITY, Math.ceil(devices * 1.25));
}

interface Invalidation {
  devices?: string[];
  evaluations?: string[];
  policies?: string[];
  all?: boolean;
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

  const clear = () => {
    devices.clear();
    evaluations.clear();
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

  const drop = (what: Invalidation) => {
    if (what.all) return clear();
    for (const id of what.devices ?? []) devices.invalidate(id);
    for (const id of what.evaluations ?? []) evaluations.invalidate(id);
    for (const id of what.policies ?? []) policies.invalidate(id);
  };

  if (bus) {
    bus.on("message", (m) => {
      if (m.type !== INVALIDATE || m.from === bus.replicaId) return;
      drop({ devices: ids(m.devices), evaluations: ids(m.evaluations), policies: ids(m.policies), all: m.all === true });
    });
    bus.on("error", clear);
    bus.on("resync", clear);
  }

  /** Drops the entries locally, then tells the other replicas before the writer's caller is answered. */
  async function invalidate(what: Invalidation): Promise<void> {
    drop(what);
    if (!bus) return;
    const messages: Invalidation[] = [];
    if (what.all) messages.push({ all: true });
    for (const kind of ["devices", "evaluations", "policies"] as const) {
      const list = [...new Set(what[kind] ?? [])];
      for (let i = 0; i < list.length; i += IDS_PER_MESSAGE) messages.push({ [kind]: list.slice(i, i + IDS_PER_MESSAGE) });
    }
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
  async function written<T>(write: Promise<T>, what: (result: T | undefined) => Invalidation): Promise<T> {
    let result: T | undefined;
    try {
      result = await write;
      return result;
    } finally {
      await invalidate(what(result));
    }
  }

  const overrides: Partial<Store> = {
    async getDevice(id) {
      if (!(await active())) return store.getDevice(id);
      return devices.read(id, async () => {
        const device = await store.getDevice(id);
        return device && Object.freeze(device);
      });
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
      const outcome = await store.enrollDevice(tokenHash, device, now);
      if (outcome.ok && ++fleet > capacity * 0.8) {
        capacity = Math.max(capacityFor(fleet), Math.ceil(capacity * 1.5));
        devices.grow(capacity);
        evaluations.grow(capacity);
        options.onGrow?.(capacity);
      }
      return outcome;
    },
    writeSnapshots: (batch) => written(store.writeSnapshots(batch), () => ({ devices: batch.map((w) => w.snapshot.deviceId) })),
    revokeDevice: (id, at) => written(store.revokeDevice(id, at), () => ({ devices: [id] })),
    touchDevice: (id, at) => written(store.touchDevice(id, at), () => ({ devices: [id] })),
    createPolicy: (policy, event) => written(store.createPolicy(policy, event), () => ({ policies: [policy.id] })),
    replacePolicy: (next, describe) => written(store.replacePolicy(next, describe), () => ({ policies: [next.id] })),
    // Deleting a policy deletes every device's state for it.
    deletePolicy: (id, describe) => written(store.deletePolicy(id, describe), () => ({ all: true })),
    recordCompliance: (writes) => written(store.recordCompliance(writes), () => ({ evaluations: writes.map((w) => w.record.deviceId) })),
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
    stats: () => ({ devices: stats(devices), evaluation_states: stats(evaluations), policies: stats(policies) }),
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
