/**
 * A message bus between connector replicas over PostgreSQL LISTEN/NOTIFY: no extra service.
 *
 * One dedicated connection per replica LISTENs; publishing is `pg_notify` through the store
 * (store/postgres/cluster.ts). NOTIFY is fire-and-forget and lost while a listener is disconnected, so the listener
 * reconnects on its own (backoff up to 2 s) and emits `resync` each time it is back: callers use
 * that to re-check whatever they may have missed (revocations, presence).
 *
 * The channel name carries the schema, because NOTIFY is database-wide and two installations (or
 * test runs) in separate schemas of one database must not hear each other.
 */
import { EventEmitter } from "node:events";
import pg from "pg";
import type { ClusterStatements } from "../store/postgres/cluster.ts";
import { clientConfig, type PostgresLocation } from "../store/postgres/connection.ts";

/** NOTIFY payloads are limited to 8000 bytes; messages stay far below (ids and codes only). */
export const MAX_PAYLOAD = 7900;

/** How long a sync may take before a reader stops waiting and reads the store instead. */
const SYNC_TIMEOUT_MS = 2000;

export interface BusMessage {
  /** Receiving replica id, or "*" for all. */
  to: string;
  from: string;
  type: string;
  [key: string]: unknown;
}

export interface BusEvents {
  message: [BusMessage];
  resync: [];
  error: [Error];
}

export function channelFor(schema: string | null): string {
  return schema ? `facet_cluster_${schema}`.slice(0, 63) : "facet_cluster";
}

export class ClusterBus extends EventEmitter<BusEvents> {
  readonly channel: string;
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs = 100;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connected = false;
  private syncing: Promise<void> | null = null;
  private nextSync: Promise<void> | null = null;

  constructor(
    private readonly location: PostgresLocation,
    private readonly statements: Pick<ClusterStatements, "notify">,
    readonly replicaId: string,
    private readonly applicationName = "facet-connector-bus",
  ) {
    super();
    this.channel = channelFor(location.schema);
  }

  get isListening(): boolean {
    return this.connected;
  }

  /** Resolves once listening; later disconnections are repaired in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...clientConfig(this.location, this.applicationName), connectionTimeoutMillis: 5000 });
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client, new Error("listener connection ended")));
    client.on("notification", (n) => {
      if (n.channel !== this.channel || !n.payload) return;
      let msg: BusMessage;
      try {
        msg = JSON.parse(n.payload) as BusMessage;
      } catch {
        return; // not ours: someone else wrote to the channel
      }
      if (typeof msg !== "object" || msg === null || typeof msg.type !== "string") return;
      if (msg.to !== "*" && msg.to !== this.replicaId) return;
      this.emit("message", msg);
    });
    await client.connect();
    await client.query(`LISTEN "${this.channel}"`);
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.connected = true;
    this.retryMs = 100;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.connected = false;
    client.removeAllListeners("notification");
    client.end().catch(() => {});
    if (this.stopped) return;
    if (this.listenerCount("error") > 0) this.emit("error", err);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 2000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().then(
        () => {
          if (!this.stopped) this.emit("resync");
        },
        (err: Error) => {
          if (this.listenerCount("error") > 0) this.emit("error", err);
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  /**
   * Resolves once every NOTIFY committed before this call has been delivered here (its `message`
   * emitted): a round trip on the listening connection, which PostgreSQL answers only after
   * sending the notifications pending for it. Callers arriving while one is under way (it may have
   * started before their write committed) share the next one. Rejects when not listening.
   */
  sync(): Promise<void> {
    if (this.nextSync) return this.nextSync;
    if (!this.syncing) return (this.syncing = this.roundTrip().finally(() => (this.syncing = null)));
    this.nextSync = this.syncing
      .catch(() => undefined)
      .then(() => {
        this.nextSync = null;
        return (this.syncing = this.roundTrip().finally(() => (this.syncing = null)));
      });
    return this.nextSync;
  }

  private async roundTrip(): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) throw new Error("the cluster bus is not listening");
    // LISTEN again (a no-op) rather than any other statement: the connection still shows as the
    // listener in pg_stat_activity. Bounded, so a connection that died silently cannot hold reads.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("cluster bus sync timed out")), SYNC_TIMEOUT_MS)));
    try {
      await Promise.race([client.query(`LISTEN "${this.channel}"`), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a message; rejects if PostgreSQL cannot be reached. */
  async publish(message: BusMessage): Promise<void> {
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) throw new Error(`cluster message too large (${payload.length} bytes)`);
    await this.statements.notify(this.channel, payload);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    if (client) await client.end().catch(() => {});
  }
}
