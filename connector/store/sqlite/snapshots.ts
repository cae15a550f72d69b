/**
 * Snapshots: the latest per device plus a capped history, written in batches (one transaction
 * each, see snapshot-writes.ts).
 */
import type { Database } from "better-sqlite3";
import { snapshotFromRow, type SnapshotRow } from "../rows.ts";
import type { SnapshotStore, SnapshotWriteResult, StoredPolicyFacts, StoredSnapshot, StoredView } from "../types.ts";
import { storeCopyBuffers, toRowWrite, type SnapshotRowWrite } from "./snapshot-writes.ts";

/**
 * `writeRows` runs the batch transaction (snapshot-writes.ts) on whichever thread owns the write
 * connection, and may move the buffers `move` there with it; reads go to `db`, which in WAL mode
 * sees every committed batch.
 */
export function createSnapshotStore(db: Database, writeRows: (batch: SnapshotRowWrite[], move: ArrayBuffer[]) => Promise<SnapshotWriteResult[]>): SnapshotStore {
  const latest = db.prepare<[string], SnapshotRow>(
    `SELECT s.* FROM snapshots s JOIN devices d ON d.id = s.device_id AND s.seq = d.last_seq WHERE d.id = ?`,
  );
  const history = db.prepare<[string, number], SnapshotRow>(
    "SELECT * FROM snapshots WHERE device_id = ? ORDER BY seq DESC LIMIT ?",
  );

  const view = db.prepare<[string], ViewRow>("SELECT seq, collected_at, version, deflated, crc32, length FROM snapshot_views WHERE device_id = ?");

  const policyFacts = db.prepare<[string], { seq: number; collected_at: number; version: number; facts: string }>(
    "SELECT seq, collected_at, version, facts FROM snapshot_policy_facts WHERE device_id = ?",
  );

  return {
    async writeSnapshots(batch) {
      if (batch.length === 0) return [];
      // With journal_mode=WAL and synchronous=FULL the commit returns after the WAL fsync, so
      // the transaction is durable when this resolves (see connection.ts).
      return writeRows(batch.map(toRowWrite), storeCopyBuffers(batch));
    },
    async latestSnapshot(deviceId) {
      const row = latest.get(deviceId);
      return row ? snapshotFromRow(row) : null;
    },
    async latestSnapshots(deviceIds) {
      const out = new Map<string, StoredSnapshot>();
      for (const id of deviceIds) {
        const row = latest.get(id);
        if (row) out.set(id, snapshotFromRow(row));
      }
      return out;
    },
    async snapshotHistory(deviceId, limit) {
      return history.all(deviceId, limit).map(snapshotFromRow);
    },
    async latestView(deviceId) {
      const row = view.get(deviceId);
      return row ? viewFromRow(row) : null;
    },
    async latestViews(deviceIds) {
      const out = new Map<string, StoredView>();
      for (const id of deviceIds) {
        const row = view.get(id);
        if (row) out.set(id, viewFromRow(row));
      }
      return out;
    },
    async latestPolicyFacts(deviceIds) {
      const out = new Map<string, StoredPolicyFacts>();
      for (const id of deviceIds) {
        const row = policyFacts.get(id);
        if (row) out.set(id, { seq: row.seq, collectedAt: row.collected_at, version: row.version, text: row.facts });
      }
      return out;
    },
  };
}

interface ViewRow {
  seq: number;
  collected_at: number;
  version: number;
  deflated: Buffer;
  crc32: number;
  length: number;
}

function viewFromRow(row: ViewRow): StoredView {
  return { seq: row.seq, collectedAt: row.collected_at, version: row.version, deflated: row.deflated, crc32: row.crc32, length: row.length };
}
