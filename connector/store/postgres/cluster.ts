/**
 * The statements connector/cluster/ runs, kept with the rest of the PostgreSQL store's SQL:
 * presence leases and replica rows (cluster/presence.ts decides when to write them), NOTIFY for
 * the replica bus, and the upkeep of the devices a replica holds. Lease times come from
 * PostgreSQL's clock, so replicas with skewed clocks still agree.
 */
import type { StoredSnapshot } from "../types.ts";
import type { PostgresAccess } from "./access.ts";
import type { PostgresLocation } from "./connection.ts";

const DB_NOW = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

export interface ClusterStatements {
  /** One replica's batched changes: `downs` rows of this replica deleted, `ups` taken over from any replica. */
  writePresence(replicaId: string, ups: string[], downs: string[], leaseMs: number): Promise<void>;
  /**
   * Renews the replica's leases (and its replica row) and makes its rows match `held` exactly;
   * a device another replica holds a live lease on is left to that replica.
   */
  renewPresence(replicaId: string, held: string[], leaseMs: number): Promise<void>;
  /** Live holders of these devices (any replica), device id → replica id. */
  presenceHolders(deviceIds: string[]): Promise<Map<string, string>>;
  /** Every device with a live lease, in id order. */
  livePresence(): Promise<string[]>;
  /** Removes the replica's presence rows and its replica row (clean shutdown). */
  releaseReplica(replicaId: string): Promise<void>;
  /** Deletes leases expired for longer than `olderThanMs` (dead replicas); the presence rows deleted. */
  collectPresenceGarbage(olderThanMs: number): Promise<number>;
  /** `pg_notify` through the pool (listening needs a connection of its own: cluster/bus.ts). */
  notify(channel: string, payload: string): Promise<void>;
  /** Which of these devices are revoked. */
  revokedAmong(deviceIds: string[]): Promise<string[]>;
  /** Moves `last_seen_at` of these devices to `at`, never back. */
  touchDevices(deviceIds: string[], at: number): Promise<void>;
}

/** What connector/cluster/ needs of a store. */
export interface ClusterStore {
  /** Where the bus opens its LISTEN connection. */
  readonly location: PostgresLocation;
  readonly cluster: ClusterStatements;
  /** A relayed refresh's answer, read back once the holding replica stored it. */
  latestSnapshot(deviceId: string): Promise<StoredSnapshot | null>;
}

export function createPostgresClusterStatements(db: Pick<PostgresAccess, "pool">): ClusterStatements {
  return {
    async writePresence(replicaId, ups, downs, leaseMs) {
      await db.pool.query(
        `WITH gone AS (
           DELETE FROM presence WHERE replica_id = $1 AND device_id = ANY($2::text[])
         )
         INSERT INTO presence (device_id, replica_id, connected_at, lease_until)
         SELECT d, $1, ${DB_NOW}, ${DB_NOW} + $4 FROM unnest($3::text[]) AS d
         ON CONFLICT (device_id) DO UPDATE
           SET replica_id = EXCLUDED.replica_id, connected_at = EXCLUDED.connected_at, lease_until = EXCLUDED.lease_until`,
        [replicaId, downs, ups, leaseMs],
      );
    },
    async renewPresence(replicaId, held, leaseMs) {
      await db.pool.query(
        // One statement, each row touched once: the upsert renews our rows (and takes over expired
        // ones), the delete drops rows of agents we no longer hold.
        `WITH dropped AS (
           DELETE FROM presence WHERE replica_id = $1 AND NOT (device_id = ANY($2::text[]))
         ), replica AS (
           INSERT INTO replicas (id, started_at, lease_until) VALUES ($1, ${DB_NOW}, ${DB_NOW} + $3)
           ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until
         )
         INSERT INTO presence (device_id, replica_id, connected_at, lease_until)
         SELECT d, $1, ${DB_NOW}, ${DB_NOW} + $3 FROM unnest($2::text[]) AS d
         ON CONFLICT (device_id) DO UPDATE
           SET replica_id = EXCLUDED.replica_id, lease_until = EXCLUDED.lease_until
           WHERE presence.replica_id = EXCLUDED.replica_id OR presence.lease_until < ${DB_NOW}`,
        [replicaId, held, leaseMs],
      );
    },
    async presenceHolders(deviceIds) {
      if (deviceIds.length === 0) return new Map();
      const { rows } = await db.pool.query<{ device_id: string; replica_id: string }>(
        `SELECT device_id, replica_id FROM presence WHERE device_id = ANY($1::text[]) AND lease_until > ${DB_NOW}`,
        [deviceIds],
      );
      return new Map(rows.map((r) => [r.device_id, r.replica_id]));
    },
    async livePresence() {
      const { rows } = await db.pool.query<{ device_id: string }>(`SELECT device_id FROM presence WHERE lease_until > ${DB_NOW} ORDER BY device_id`);
      return rows.map((r) => r.device_id);
    },
    async releaseReplica(replicaId) {
      await db.pool.query("DELETE FROM presence WHERE replica_id = $1", [replicaId]);
      await db.pool.query("DELETE FROM replicas WHERE id = $1", [replicaId]);
    },
    async collectPresenceGarbage(olderThanMs) {
      const r = await db.pool.query(`DELETE FROM presence WHERE lease_until < ${DB_NOW} - $1`, [olderThanMs]);
      await db.pool.query(`DELETE FROM replicas WHERE lease_until < ${DB_NOW} - $1`, [olderThanMs]);
      return r.rowCount ?? 0;
    },
    async notify(channel, payload) {
      await db.pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async revokedAmong(deviceIds) {
      const { rows } = await db.pool.query<{ id: string }>("SELECT id FROM devices WHERE id = ANY($1::text[]) AND revoked_at IS NOT NULL", [deviceIds]);
      return rows.map((r) => r.id);
    },
    async touchDevices(deviceIds, at) {
      await db.pool.query("UPDATE devices SET last_seen_at = GREATEST(COALESCE(last_seen_at, 0), $2) WHERE id = ANY($1::text[])", [deviceIds, at]);
    },
  };
}
