/**
 * Compliance state on PostgreSQL: the same contract as ../sqlite/compliance.ts. Evaluating one
 * device locks the rows it reads (`FOR UPDATE`), so two replicas evaluating it serialise.
 */
import type { ComplianceCheckState, ComplianceStore, ComplianceWrite, EvaluationState } from "../types.ts";
import type { PostgresAccess } from "./access.ts";
import { insertEvent } from "./policies.ts";
import { complianceRecordFromRow, type ComplianceRecordRow } from "../rows.ts";

export function createPostgresComplianceStore(db: PostgresAccess): ComplianceStore {
  return {
    async getCheckStates(deviceId, policyIds) {
      if (policyIds.length === 0) return [];
      const { rows } = await db.pool.query<{ policy_id: string; check_name: string; first_failed_at: number | null; last_passed_at: number | null }>(
        "SELECT policy_id, check_name, first_failed_at, last_passed_at FROM compliance_checks WHERE device_id = $1 AND policy_id = ANY($2::text[])",
        [deviceId, policyIds],
      );
      return rows.map((r): ComplianceCheckState => ({ policyId: r.policy_id, check: r.check_name, firstFailedAt: r.first_failed_at, lastPassedAt: r.last_passed_at }));
    },
    async evaluationState(deviceId) {
      // One round trip: check states (kind 0) and verdicts without their detail (kind 1).
      const { rows } = await db.pool.query<{ kind: number; policy_id: string; check_name: string | null; a: number | null; b: number | null; result: string | null; passing: boolean | null }>(
        `SELECT 0 AS kind, policy_id, check_name, first_failed_at AS a, last_passed_at AS b, NULL::text AS result, NULL::boolean AS passing FROM compliance_checks WHERE device_id = $1
         UNION ALL
         SELECT 1, policy_id, NULL, policy_version::bigint, evaluated_at, result, passing FROM compliance WHERE device_id = $1
         ORDER BY 1, 2`,
        [deviceId],
      );
      const state: EvaluationState = { checks: [], verdicts: [] };
      for (const r of rows) {
        if (r.kind === 0) state.checks.push({ policyId: r.policy_id, check: r.check_name!, firstFailedAt: r.a, lastPassedAt: r.b });
        else state.verdicts.push({ policyId: r.policy_id, policyVersion: r.a!, result: r.result!, passing: r.passing!, evaluatedAt: r.b! });
      }
      return state;
    },
    async getCompliance(deviceId) {
      const { rows } = await db.pool.query<ComplianceRecordRow>("SELECT * FROM compliance WHERE device_id = $1 ORDER BY policy_id", [deviceId]);
      return rows.map(complianceRecordFromRow);
    },
    async recordCompliance(writes: ComplianceWrite[]) {
      return db.transaction(async (c) => {
        const changes: boolean[] = [];
        for (const { record, checks, changedEvent } of writes) {
          const previous = (
            await c.query<{ result: string; passing: boolean; evaluated_at: number }>(
              "SELECT result, passing, evaluated_at FROM compliance WHERE device_id = $1 AND policy_id = $2 FOR UPDATE",
              [record.deviceId, record.policyId],
            )
          ).rows[0];
          for (const s of checks) {
            // The evaluation read the state outside this transaction, so another replica may have
            // written since; the merge orders them by the check's own times:
            //   - a failure keeps the earliest first failure (grace never restarts because two
            //     replicas raced), unless a pass is already stored after it began (a stale
            //     evaluation: that streak ended, it must not bring back old grace);
            //   - a pass clears the failure, unless the stored failure began after this pass;
            //   - last_passed_at never moves back.
            await c.query(
              `INSERT INTO compliance_checks (device_id, policy_id, check_name, first_failed_at, last_passed_at) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (device_id, policy_id, check_name) DO UPDATE SET
                 first_failed_at = CASE
                   WHEN EXCLUDED.first_failed_at IS NULL THEN
                     CASE WHEN compliance_checks.first_failed_at > EXCLUDED.last_passed_at THEN compliance_checks.first_failed_at END
                   WHEN compliance_checks.last_passed_at > EXCLUDED.first_failed_at THEN compliance_checks.first_failed_at
                   ELSE LEAST(compliance_checks.first_failed_at, EXCLUDED.first_failed_at) END,
                 last_passed_at = GREATEST(compliance_checks.last_passed_at, EXCLUDED.last_passed_at)`,
              [record.deviceId, s.policyId, s.check, s.firstFailedAt, s.lastPassedAt],
            );
          }
          // An evaluation older than the stored one (it read before a newer one committed) must not
          // replace that record or report a change back to a result the device has left. The row
          // is locked above; the WHERE covers a first insert racing another replica's.
          if (previous && previous.evaluated_at > record.evaluatedAt) {
            changes.push(false);
            continue;
          }
          const changed = !previous || previous.result !== record.result || previous.passing !== record.passing;
          const upserted = await c.query(
            `INSERT INTO compliance (device_id, policy_id, policy_version, result, passing, evaluated_at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (device_id, policy_id) DO UPDATE SET policy_version = EXCLUDED.policy_version, result = EXCLUDED.result,
               passing = EXCLUDED.passing, evaluated_at = EXCLUDED.evaluated_at, detail = EXCLUDED.detail
             WHERE compliance.evaluated_at <= EXCLUDED.evaluated_at`,
            [record.deviceId, record.policyId, record.policyVersion, record.result, record.passing, record.evaluatedAt, JSON.stringify(record.detail)],
          );
          if (upserted.rowCount === 0) {
            changes.push(false);
            continue;
          }
          if (changed) await insertEvent(c, { ...changedEvent, data: { ...changedEvent.data, previous: previous ? { result: previous.result, passing: previous.passing } : null } });
          changes.push(changed);
        }
        return changes;
      });
    },
  };
}
