/**
 * Device assurance policies on PostgreSQL: the same contract as ../sqlite/policies.ts.
 * Read-modify-write paths lock the row they read (`FOR UPDATE`) so two replicas replacing one
 * policy serialise.
 */
import type pg from "pg";
import type { NewEvent, PolicyReplacement, PolicyStore, StoredPolicy } from "../types.ts";
import type { PostgresAccess } from "./access.ts";
import { policyFromRow, type PolicyRow } from "../rows.ts";

export const insertEvent = (c: pg.ClientBase, e: NewEvent) =>
  c.query("INSERT INTO events (type, at, device_id, data) VALUES ($1, $2, $3, $4)", [e.type, e.at, e.deviceId, JSON.stringify(e.data)]);

export function createPostgresPolicyStore(db: PostgresAccess): PolicyStore {
  return {
    async createPolicy(p, e) {
      await db.transaction(async (c) => {
        await c.query("INSERT INTO policies (id, version, name, platform, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)", [
          p.id, p.version, p.name, p.platform, JSON.stringify(p.body), p.createdAt, p.updatedAt,
        ]);
        await insertEvent(c, e);
      });
    },
    async getPolicy(id) {
      const { rows } = await db.pool.query<PolicyRow>("SELECT * FROM policies WHERE id = $1", [id]);
      return rows[0] ? policyFromRow(rows[0]) : null;
    },
    async getPolicies(ids) {
      const { rows } = await db.pool.query<PolicyRow>("SELECT * FROM policies WHERE id = ANY($1::text[])", [ids]);
      const byId = new Map(rows.map((r) => [r.id, policyFromRow(r)]));
      return ids.map((id) => byId.get(id)).filter((p): p is StoredPolicy => p !== undefined);
    },
    async listPolicies() {
      const { rows } = await db.pool.query<PolicyRow>("SELECT * FROM policies ORDER BY created_at, id");
      return rows.map(policyFromRow);
    },
    async replacePolicy(next: PolicyReplacement, describe) {
      return db.transaction(async (c) => {
        const before = (await c.query<PolicyRow>("SELECT * FROM policies WHERE id = $1 FOR UPDATE", [next.id])).rows[0];
        if (!before) return null;
        const after = (
          await c.query<PolicyRow>("UPDATE policies SET version = version + 1, name = $2, platform = $3, body = $4, updated_at = $5 WHERE id = $1 RETURNING *", [
            next.id, next.name, next.platform, JSON.stringify(next.body), next.at,
          ])
        ).rows[0]!;
        const policy = policyFromRow(after);
        await insertEvent(c, describe(policyFromRow(before), policy));
        return policy;
      });
    },
    async deletePolicy(id, describe) {
      return db.transaction(async (c) => {
        const before = (await c.query<PolicyRow>("DELETE FROM policies WHERE id = $1 RETURNING *", [id])).rows[0];
        if (!before) return null;
        const policy = policyFromRow(before);
        await insertEvent(c, describe(policy));
        return policy;
      });
    },
  };
}
