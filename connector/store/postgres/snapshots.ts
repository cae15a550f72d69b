/**
 * Snapshots on PostgreSQL: the same contract as ../sqlite/snapshots.ts; batches are written by
 * ./snapshot-batch.ts.
 */
import type { SnapshotStore, SnapshotWrite, SnapshotWriteResult, StoredPolicyFacts, StoredSnapshot, StoredView } from "../types.ts";
import type { PostgresAccess } from "./access.ts";
import { applySnapshotBatch } from "./snapshot-batch.ts";
import { SNAPSHOT_COLUMNS, snapshotFromRow, type SnapshotRow } from "./rows.ts";

export function createPostgresSnapshotStore(db: PostgresAccess, historyLimit: number): SnapshotStore {
  const snapshots: SnapshotStore = {
    async writeSnapshots(batch: SnapshotWrite[]): Promise<SnapshotWriteResult[]> {
      if (batch.length === 0) return [];
      // Two statements per batch whatever its size (./snapshot-batch.ts); the seq check runs under
      // the devices' row locks, so two replicas racing on one device cannot both accept a seq.
      return db.transaction((c) => applySnapshotBatch(c, batch, historyLimit));
    },

    async latestSnapshot(deviceId: string): Promise<StoredSnapshot | null> {
      const m = await snapshots.latestSnapshots([deviceId]);
      return m.get(deviceId) ?? null;
    },

    async latestSnapshots(deviceIds: string[]): Promise<Map<string, StoredSnapshot>> {
      const out = new Map<string, StoredSnapshot>();
      if (deviceIds.length === 0) return out;
      const { rows } = await db.pool.query<SnapshotRow>(
        `SELECT ${SNAPSHOT_COLUMNS.split(", ").map((c) => `s.${c}`).join(", ")}
           FROM devices d JOIN snapshots s ON s.device_id = d.id AND s.seq = d.last_seq
          WHERE d.id = ANY($1::text[])`,
        [deviceIds],
      );
      for (const r of rows) out.set(r.device_id, snapshotFromRow(r));
      return out;
    },

    async snapshotHistory(deviceId: string, limit: number): Promise<StoredSnapshot[]> {
      const { rows } = await db.pool.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE device_id = $1 ORDER BY seq DESC LIMIT $2`, [
        deviceId,
        limit,
      ]);
      return rows.map(snapshotFromRow);
    },

    async latestView(deviceId: string): Promise<StoredView | null> {
      return (await snapshots.latestViews([deviceId])).get(deviceId) ?? null;
    },

    async latestViews(deviceIds: string[]): Promise<Map<string, StoredView>> {
      const out = new Map<string, StoredView>();
      if (deviceIds.length === 0) return out;
      const { rows } = await db.pool.query<{ device_id: string; seq: number; collected_at: number; version: number; deflated: Buffer; crc32: number; length: number }>(
        "SELECT device_id, seq, collected_at, version, deflated, crc32, length FROM snapshot_views WHERE device_id = ANY($1::text[])",
        [deviceIds],
      );
      for (const r of rows) out.set(r.device_id, { seq: r.seq, collectedAt: r.collected_at, version: r.version, deflated: r.deflated, crc32: r.crc32, length: r.length });
      return out;
    },

    async latestPolicyFacts(deviceIds: string[]): Promise<Map<string, StoredPolicyFacts>> {
      const out = new Map<string, StoredPolicyFacts>();
      if (deviceIds.length === 0) return out;
      const { rows } = await db.pool.query<{ device_id: string; seq: number; collected_at: number; version: number; facts: string }>(
        "SELECT device_id, seq, collected_at, version, facts FROM snapshot_policy_facts WHERE device_id = ANY($1::text[])",
        [deviceIds],
      );
      for (const r of rows) out.set(r.device_id, { seq: r.seq, collectedAt: r.collected_at, version: r.version, text: r.facts });
      return out;
    },
  };
  return snapshots;
}
