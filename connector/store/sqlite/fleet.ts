/** The console's fleet list and counts (types.ts FleetStore) on SQLite. */
import type { Database, Statement } from "better-sqlite3";
import { deviceFromRow, type DeviceRow } from "../rows.ts";
import type { ComplianceSummary, FleetCounts, FleetQuery, FleetStore } from "../types.ts";

type BaseQuery = Omit<FleetQuery, "compliance" | "freshness" | "after" | "limit">;

const SORT_KEY = "lower(coalesce(d.name, d.hostname, ''))";
// The latest snapshot is the row at the device's last_seq: one primary-key probe per device.
const LATEST = "LEFT JOIN snapshots s ON s.device_id = d.id AND s.seq = d.last_seq";
const STALE = "(s.collected_at IS NULL OR s.collected_at < @staleBefore)";

/** `%text%` for LIKE, with LIKE's own wildcards in the text escaped. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function baseWhere(q: BaseQuery, params: Record<string, unknown>): string[] {
  const where: string[] = [];
  params.staleBefore = q.staleBefore;
  if (!q.includeRevoked) where.push("d.revoked_at IS NULL");
  if (q.platform !== undefined) (where.push("d.platform = @platform"), (params.platform = q.platform));
  if (q.username !== undefined) {
    // Bound users only, as listDevices' username filter (devices.ts): what a device claims is not a match.
    where.push("d.id IN (SELECT device_id FROM device_bindings WHERE username = @username)");
    params.username = q.username;
  }
  if (q.search !== undefined && q.search !== "") {
    // LIKE is case-insensitive for ASCII in SQLite; a substring search scans the devices, which
    // at 50,000 rows is a few milliseconds.
    params.search = likePattern(q.search);
    where.push(
      "(d.name LIKE @search ESCAPE '\\' OR d.hostname LIKE @search ESCAPE '\\' OR d.serial LIKE @search ESCAPE '\\' OR d.id LIKE @search ESCAPE '\\' OR d.username LIKE @search ESCAPE '\\')",
    );
  }
  return where;
}

export function createFleetStore(db: Database): FleetStore {
  const statements = new Map<string, Statement<Record<string, unknown>, unknown>>();
  // WHERE clauses come from a fixed set of filters, so there are few distinct statements.
  const prepared = <R>(sql: string): Statement<Record<string, unknown>, R> => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare<Record<string, unknown>, unknown>(sql)));
    return statement as Statement<Record<string, unknown>, R>;
  };

  return {
    async listFleet(q) {
      const params: Record<string, unknown> = { limit: q.limit };
      const where = baseWhere(q, params);
      if (q.compliance === "failing") where.push("EXISTS (SELECT 1 FROM compliance c WHERE c.device_id = d.id AND c.passing = 0)");
      if (q.compliance === "passing") {
        where.push("EXISTS (SELECT 1 FROM compliance c WHERE c.device_id = d.id) AND NOT EXISTS (SELECT 1 FROM compliance c WHERE c.device_id = d.id AND c.passing = 0)");
      }
      if (q.compliance === "unevaluated") where.push("NOT EXISTS (SELECT 1 FROM compliance c WHERE c.device_id = d.id)");
      if (q.freshness === "stale") where.push(STALE);
      if (q.freshness === "fresh") where.push(`NOT ${STALE}`);
      if (q.after) {
        where.push(`(${SORT_KEY} > @afterKey OR (${SORT_KEY} = @afterKey AND d.id > @afterId))`);
        params.afterKey = q.after.sortKey;
        params.afterId = q.after.id;
      }
      const sql = `SELECT d.*, ${SORT_KEY} AS sort_key FROM devices d ${LATEST}
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${SORT_KEY}, d.id LIMIT @limit`;
      const rows = prepared<DeviceRow & { sort_key: string }>(sql).all(params);
      return rows.map((r) => ({ device: deviceFromRow(r), sortKey: r.sort_key }));
    },

    async countFleet(q) {
      const params: Record<string, unknown> = {};
      const where = baseWhere(q, params);
      const sql = `SELECT c.worst AS worst, ${STALE} AS stale, count(*) AS n FROM devices d ${LATEST}
        LEFT JOIN (SELECT device_id, min(passing) AS worst FROM compliance GROUP BY device_id) c ON c.device_id = d.id
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""} GROUP BY 1, 2`;
      const counts: FleetCounts = { failing: { stale: 0, fresh: 0 }, passing: { stale: 0, fresh: 0 }, unevaluated: { stale: 0, fresh: 0 } };
      for (const r of prepared<{ worst: number | null; stale: number; n: number }>(sql).all(params)) {
        const bucket = r.worst === null ? "unevaluated" : r.worst === 0 ? "failing" : "passing";
        counts[bucket][r.stale ? "stale" : "fresh"] += r.n;
      }
      return counts;
    },

    async complianceSummaries(deviceIds) {
      if (deviceIds.length === 0) return [];
      const params = Object.fromEntries(deviceIds.map((id, i) => [`d${i}`, id]));
      const sql = `SELECT device_id, policy_id, result, passing, evaluated_at FROM compliance
        WHERE device_id IN (${deviceIds.map((_, i) => `@d${i}`).join(", ")}) ORDER BY device_id, policy_id`;
      // Not cached: one statement per list length would pile up; pages are small and few.
      const rows = db.prepare<Record<string, unknown>, { device_id: string; policy_id: string; result: string; passing: number; evaluated_at: number }>(sql).all(params);
      return rows.map((r): ComplianceSummary => ({ deviceId: r.device_id, policyId: r.policy_id, result: r.result, passing: r.passing === 1, evaluatedAt: r.evaluated_at }));
    },
  };
}
