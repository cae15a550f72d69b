/**
 * Presence across replicas: which replica holds each agent's WebSocket, as rows with leases.
 *
 * A replica writes a row when an agent authenticates, deletes it when the agent leaves, and
 * renews the leases of every agent it holds periodically. A replica that dies (kill -9, host
 * lost) renews nothing, so its agents read as disconnected once their lease runs out: nobody has
 * to notice the death or clean up. Lease times come from PostgreSQL's clock, so replicas with
 * skewed clocks still agree. The statements are the store's (store/postgres/cluster.ts).
 *
 * Writes are coalesced (last change per device wins) and flushed in one statement, so a
 * reconnect storm of thousands of agents costs a handful of round trips, not one per agent.
 */
import type { ClusterStatements } from "../store/postgres/cluster.ts";

export interface PresenceOptions {
  /** How long a row stays live without renewal (ms). */
  leaseMs: number;
  /** How long register/unregister changes wait to be batched (ms). */
  flushDelayMs: number;
}

export const DEFAULT_PRESENCE: PresenceOptions = { leaseMs: 15_000, flushDelayMs: 10 };

export class PresenceTable {
  private readonly changes = new Map<string, "up" | "down">();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly rows: ClusterStatements,
    readonly replicaId: string,
    readonly options: PresenceOptions = DEFAULT_PRESENCE,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  up(deviceId: string): void {
    this.changes.set(deviceId, "up");
    this.schedule();
  }

  down(deviceId: string): void {
    this.changes.set(deviceId, "down");
    this.schedule();
  }

  private schedule(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.options.flushDelayMs);
  }

  /** Writes pending changes; serialised so a later flush never overtakes an earlier one. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.changes.size === 0) return;
      const batch = [...this.changes];
      this.changes.clear();
      const ups = batch.filter(([, c]) => c === "up").map(([id]) => id);
      const downs = batch.filter(([, c]) => c === "down").map(([id]) => id);
      try {
        await this.rows.writePresence(this.replicaId, ups, downs, this.options.leaseMs);
      } catch (err) {
        // Put back what did not land (unless a newer change came meanwhile); renew() also
        // rewrites the full set, so nothing stays wrong for longer than one renewal.
        for (const [id, c] of batch) if (!this.changes.has(id)) this.changes.set(id, c);
        this.onError(err as Error);
      }
    });
    return this.flushing;
  }

  /**
   * Renews this replica's leases and makes the table match `held` exactly: rows for agents this
   * replica no longer holds are dropped, missing ones re-added (after an outage, say) unless
   * another replica holds a live lease on the device.
   */
  async renew(held: string[]): Promise<void> {
    await this.rows.renewPresence(this.replicaId, held, this.options.leaseMs);
  }

  /** Live holders of these devices (any replica). */
  async holders(deviceIds: string[]): Promise<Map<string, string>> {
    return this.rows.presenceHolders(deviceIds);
  }

  async allLive(): Promise<string[]> {
    return this.rows.livePresence();
  }

  /** Removes this replica's rows and its replica row (clean shutdown). */
  async release(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.changes.clear();
    await this.flushing;
    await this.rows.releaseReplica(this.replicaId);
  }

  /** Deletes leases expired for a long time (dead replicas); any replica may run it. */
  async collectGarbage(olderThanMs = 3600_000): Promise<number> {
    return this.rows.collectPresenceGarbage(olderThanMs);
  }
}
