/** The append-only event log: enrollments, accepted and rejected snapshots, revocations, tokens. */
import type { Database } from "better-sqlite3";
import type { EventQuery, EventRetention, EventStore, NewEvent } from "../types.ts";
import { eventFromRow, type EventRow } from "../rows.ts";

/** Rows per delete transaction: each holds the write lock (and, with better-sqlite3, the event loop) a few ms. */
const DEFAULT_PRUNE_BATCH = 5000;

/** One IMMEDIATE transaction inserting every event (run on the writer thread's connection when there is one). */
export function createEventBatchWriter(db: Database): (events: NewEvent[]) => void {
  const insert = db.prepare("INSERT INTO events (type, at, device_id, data) VALUES (?, ?, ?, ?)");
  const insertMany = db.transaction((events: NewEvent[]) => {
    for (const e of events) insert.run(e.type, e.at, e.deviceId, JSON.stringify(e.data));
  });
  return (events) => insertMany.immediate(events);
}

export function createEventStore(db: Database, writeEvents: (events: NewEvent[]) => Promise<void>): EventStore {
  const insert = db.prepare("INSERT INTO events (type, at, device_id, data) VALUES (?, ?, ?, ?)");

  /** Runs one batched delete until it deletes less than a batch, yielding to the event loop between batches. */
  async function deleteInBatches(sql: string, params: unknown[], batch: number): Promise<number> {
    const stmt = db.prepare(`DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ${sql} ORDER BY id LIMIT ?)`);
    let total = 0;
    for (;;) {
      const { changes } = stmt.run(...params, batch);
      total += changes;
      if (changes < batch) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return {
    async pruneEvents(retention: EventRetention) {
      const batch = retention.batchSize ?? DEFAULT_PRUNE_BATCH;
      let deleted = 0;
      const typed = Object.entries(retention.beforeByType ?? {});
      for (const [type, before] of typed) deleted += await deleteInBatches("type = ? AND at < ?", [type, before], batch);
      if (retention.before !== undefined) {
        const except = typed.map(([type]) => type);
        deleted += await deleteInBatches(`at < ?${except.length ? ` AND type NOT IN (${except.map(() => "?").join(", ")})` : ""}`, [retention.before, ...except], batch);
      }
      if (retention.maxRows !== undefined) {
        // Each class keeps its own newest maxRows (types.ts EventRetention.auditTypes).
        const audit = retention.auditTypes ?? [];
        const classes = audit.length === 0 ? [""] : [`type IN (${audit.map(() => "?").join(", ")})`, `type NOT IN (${audit.map(() => "?").join(", ")})`];
        for (const where of classes) {
          const params = where === "" ? [] : [...audit];
          const cutoff = db
            .prepare<unknown[], { id: number }>(`SELECT id FROM events ${where ? `WHERE ${where}` : ""} ORDER BY id DESC LIMIT 1 OFFSET ?`)
            .get(...params, retention.maxRows);
          if (cutoff) deleted += await deleteInBatches(`id <= ?${where ? ` AND ${where}` : ""}`, [cutoff.id, ...params], batch);
        }
      }
      return deleted;
    },
    async recordEvent(event) {
      insert.run(event.type, event.at, event.deviceId, JSON.stringify(event.data));
    },
    recordEvents(events) {
      return writeEvents(events);
    },
    async listEvents(query: EventQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.types?.length) {
        where.push(`type IN (${query.types.map(() => "?").join(", ")})`);
        params.push(...query.types);
      }
      if (query.typePrefix !== undefined) {
        // substr instead of LIKE: a `_` or `%` in the prefix must match itself.
        where.push("substr(type, 1, ?) = ?");
        params.push(query.typePrefix.length, query.typePrefix);
      }
      if (query.deviceId !== undefined) (where.push("device_id = ?"), params.push(query.deviceId));
      if (query.since !== undefined) (where.push("at >= ?"), params.push(query.since));
      if (query.afterId !== undefined) (where.push("id > ?"), params.push(query.afterId));
      if (query.beforeId !== undefined) (where.push("id < ?"), params.push(query.beforeId));
      params.push(query.limit);
      const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id ${query.newestFirst ? "DESC" : ""} LIMIT ?`;
      return db.prepare<unknown[], EventRow>(sql).all(...params).map(eventFromRow);
    },
  };
}
