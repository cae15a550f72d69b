/** The console's fleet list and counts (types.ts FleetStore) on PostgreSQL. */
import type pg from "pg";
import { likePattern } from "../sqlite/fleet.ts";
import type { ComplianceSummary, FleetCounts, FleetQuery, FleetStore } from "../types.ts";
import { DEVICE_COLUMNS, deviceFromRow, type DeviceRow } from "./rows.ts";

type BaseQuery = Omit<FleetQuery, "compliance" | "freshness" | "after" | "limit">;

// Byte order ("C"), so the keyset comparison and ORDER BY agree whatever the database's locale.
const SORT_KEY = `lower(coalesce(d.name, d.hostname, '')) COLLATE "C"`;
const LATEST = "LEFT JOIN snapshots s ON s.device_id = d.id AND s.seq = d.last_seq";

function filters(q: BaseQuery, p: (v: unknown) => string): { where: string[]; stale: () => string } {
  const where: string[] = [];
  // Bound only when used: PostgreSQL cannot type a parameter that no clause mentions.
  let staleParam: string | undefined;
  const stale = () => `(s.collected_at IS NULL OR s.collected_at < ${(staleParam ??= p(q.staleBefore))})`;
  if (!q.includeRevoked) where.push("d.revoked_at IS NULL");
  if (q.platform !== undefined) where.push(`d.platform = ${p(q.platform)}`);
  if (q.username !== undefined) {
    // Bound users only, as listDevices' username filter (store.ts): what a device claims is not a match.
    where.push(`d.id IN (SELECT device_id FROM device_bindings WHERE lower(username) = lower(${p(q.username)}))`);
  }
  if (q.search !== undefined && q.search !== "") {
    const s = p(likePattern(q.search));
    where.push(`(d.name ILIKE ${s} OR d.hostname ILIKE ${s} OR d.serial ILIKE ${s} OR d.id ILIKE ${s} OR d.username ILIKE ${s})`);
  }
  return { where, stale };
}

export function createPostgresFleetStore(pool: pg.Pool): FleetStore {
  return {
    async listFleet(q) {
      const params: unknown[] = [];
      const p = (v: unknown) => (params.push(v), `$${params.length}`);
      const { where, stale } = filters(q, p);
      if (q.compliance === "failing") where.push("EXISTS (SELECT 1 FROM compliance c WHERE c.device_id = d.id AND NOT c.passing)");
      if (q.compliance === "passing") {
        where.push("EXISTS (SELECT 1 FROM compliance c WHERE c.device_id = d.id) AND NOT EXISTS (SELECT 1 FROM compliance c WHERE c.device_id = d.id AND NOT c.passing)");
      }
      if (q.compliance === "unevaluated") where.push("NOT EXISTS (SELECT 1 FROM compliance c WHERE c.device_id = d.id)");
      if (q.freshness === "stale") where.push(stale());
      if (q.freshness === "fresh") where.push(`NOT ${stale()}`);
      if (q.after) {
        const key = p(q.after.sortKey);
        where.push(`(${SORT_KEY} > ${key} OR (${SORT_KEY} = ${key} AND d.id > ${p(q.after.id)}))`);
      }
      const columns = DEVICE_COLUMNS.split(", ").map((c) => `d.${c}`).join(", ");
      const sql = `SELECT ${columns}, ${SORT_KEY} AS sort_key FROM devices d ${LATEST}
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${SORT_KEY}, d.id LIMIT ${p(q.limit)}`;
      const { rows } = await pool.query<DeviceRow & { sort_key: string }>(sql, params);
      return rows.map((r) => ({ device: deviceFromRow(r), sortKey: r.sort_key }));
    },

    async countFleet(q) {
      const params: unknown[] = [];
      const p = (v: unknown) => (params.push(v), `$${params.length}`);
      const { where, stale } = filters(q, p);
      const sql = `SELECT c.worst AS worst, ${stale()} AS stale, count(*)::int AS n FROM devices d ${LATEST}
        LEFT JOIN (SELECT device_id, bool_and(passing) AS worst FROM compliance GROUP BY device_id) c ON c.device_id = d.id
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""} GROUP BY 1, 2`;
      const counts: FleetCounts = { failing: { stale: 0, fresh: 0 }, passing: { stale: 0, fresh: 0 }, unevaluated: { stale: 0, fresh: 0 } };
      const { rows } = await pool.query<{ worst: boolean | null; stale: boolean; n: number }>(sql, params);
      for (const r of rows) {
        const bucket = r.worst === null ? "unevaluated" : r.worst ? "passing" : "failing";
        counts[bucket][r.stale ? "stale" : "fresh"] += r.n;
      }
      return counts;
    },

    async complianceSummaries(deviceIds) {
      if (deviceIds.length === 0) return [];
      const { rows } = await pool.query<{ device_id: string; policy_id: string; result: string; passing: boolean; evaluated_at: number }>(
        "SELECT device_id, policy_id, result, passing, evaluated_at FROM compliance WHERE device_id = ANY($1) ORDER BY device_id, policy_id",
        [deviceIds],
      );
      return rows.map((r): ComplianceSummary => ({ deviceId: r.device_id, policyId: r.policy_id, result: r.result, passing: r.passing, evaluatedAt: Number(r.evaluated_at) }));
    },
  };
}
