/**
 * The event log on PostgreSQL: the same contract as ../sqlite/events.ts.
 */
import type { EventQuery, EventRetention, EventStore, FactEvent, NewEvent } from "../types.ts";
import type { PostgresAccess } from "./access.ts";
import { eventFromRow, type EventRow } from "./rows.ts";

export function createPostgresEventStore(db: PostgresAccess): EventStore {
  const events: EventStore = {
    async recordEvent(e: NewEvent): Promise<void> {
      await db.pool.query("INSERT INTO events (type, at, device_id, data) VALUES ($1, $2, $3, $4)", [e.type, e.at, e.deviceId, JSON.stringify(e.data)]);
    },

    async recordEvents(events: NewEvent[]): Promise<void> {
      if (events.length === 0) return;
      await db.pool.query(
        "INSERT INTO events (type, at, device_id, data) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])",
        [events.map((e) => e.type), events.map((e) => e.at), events.map((e) => e.deviceId), events.map((e) => JSON.stringify(e.data))],
      );
    },

    async listEvents(q: EventQuery): Promise<FactEvent[]> {
      const where: string[] = [];
      const params: unknown[] = [];
      const p = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      if (q.types && q.types.length > 0) where.push(`type = ANY(${p(q.types)}::text[])`);
      if (q.typePrefix !== undefined) where.push(`starts_with(type, ${p(q.typePrefix)})`);
      if (q.deviceId !== undefined) where.push(`device_id = ${p(q.deviceId)}`);
      if (q.since !== undefined) where.push(`at >= ${p(q.since)}`);
      if (q.afterId !== undefined) where.push(`id > ${p(q.afterId)}`);
      if (q.beforeId !== undefined) where.push(`id < ${p(q.beforeId)}`);
      const sql = `SELECT id, type, at, device_id, data FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id ${q.newestFirst ? "DESC" : ""} LIMIT ${p(q.limit)}`;
      const { rows } = await db.pool.query<EventRow>(sql, params);
      return rows.map(eventFromRow);
    },

    /** Batched like the SQLite store, so a large backlog never holds row locks or WAL for long. */
    async pruneEvents(retention: EventRetention): Promise<number> {
      const batch = retention.batchSize ?? 5000;
      const deleteInBatches = async (where: string, params: unknown[]): Promise<number> => {
        const n = params.length;
        const sql = `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ${where} ORDER BY id LIMIT $${n + 1})`;
        let total = 0;
        for (;;) {
          const { rowCount } = await db.pool.query(sql, [...params, batch]);
          total += rowCount ?? 0;
          if ((rowCount ?? 0) < batch) return total;
        }
      };
      let deleted = 0;
      const typed = Object.entries(retention.beforeByType ?? {});
      for (const [type, before] of typed) deleted += await deleteInBatches("type = $1 AND at < $2", [type, before]);
      if (retention.before !== undefined) {
        deleted += await deleteInBatches("at < $1 AND NOT (type = ANY($2::text[]))", [retention.before, typed.map(([type]) => type)]);
      }
      if (retention.maxRows !== undefined) {
        // Each class keeps its own newest maxRows (types.ts EventRetention.auditTypes).
        const audit = [...(retention.auditTypes ?? [])];
        const classes = audit.length === 0 ? [null] : ["type = ANY($2::text[])", "NOT (type = ANY($2::text[]))"];
        for (const where of classes) {
          const { rows } = await db.pool.query<{ id: string }>(
            `SELECT id FROM events ${where ? `WHERE ${where.replace("$2", "$1")}` : ""} ORDER BY id DESC LIMIT 1 OFFSET ${where ? "$2" : "$1"}`,
            where ? [audit, retention.maxRows] : [retention.maxRows],
          );
          if (rows[0]) deleted += await deleteInBatches(`id <= $1${where ? ` AND ${where}` : ""}`, where ? [rows[0].id, audit] : [rows[0].id]);
        }
      }
      return deleted;
    },
  };
  return events;
}
