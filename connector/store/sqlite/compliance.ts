/** Compliance state: grace bookkeeping per device × policy × check and the latest result per device × policy. */
import type { Database, Statement } from "better-sqlite3";
import type { ComplianceCheckState, ComplianceStore, ComplianceWrite } from "../types.ts";
import { complianceRecordFromRow, type ComplianceRecordRow } from "../rows.ts";

interface CheckRow {
  policy_id: string;
  check_name: string;
  first_failed_at: number | null;
  last_passed_at: number | null;
}

/**
 * The compliance write transaction, independent of the thread it runs on (the store sends it to
 * the writer thread, writer-thread.ts, when there is one). IMMEDIATE: a deferred read-then-write
 * transaction fails with SQLITE_BUSY, without waiting, when another connection commits between
 * its read and its first write.
 */
export function createComplianceWriter(db: Database): (writes: ComplianceWrite[]) => boolean[] {
  const selectRecord = db.prepare<[string, string], Pick<ComplianceRecordRow, "result" | "passing" | "evaluated_at">>(
    "SELECT result, passing, evaluated_at FROM compliance WHERE device_id = ? AND policy_id = ?",
  );
  const upsertRecord = db.prepare(`
    INSERT INTO compliance (device_id, policy_id, policy_version, result, passing, evaluated_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (device_id, policy_id) DO UPDATE SET policy_version = excluded.policy_version, result = excluded.result,
      passing = excluded.passing, evaluated_at = excluded.evaluated_at, detail = excluded.detail`);
  // Evaluations read the state before this transaction (and may interleave, or run in another
  // process on the same file), so the merge orders them by the check's own times
  // (../postgres/policies.ts does the same):
  //   - a failure keeps the earliest first failure, unless a pass is already stored after it
  //     began (a stale evaluation: that streak ended, it must not bring back old grace);
  //   - a pass clears the failure, unless the stored failure began after this pass;
  //   - last_passed_at never moves back.
  // SQLite's multi-argument min/max return NULL if any argument is NULL, hence the coalesces.
  const upsertCheck = db.prepare(`
    INSERT INTO compliance_checks (device_id, policy_id, check_name, first_failed_at, last_passed_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (device_id, policy_id, check_name) DO UPDATE SET
      first_failed_at = CASE
        WHEN excluded.first_failed_at IS NULL THEN
          CASE WHEN compliance_checks.first_failed_at > excluded.last_passed_at THEN compliance_checks.first_failed_at END
        WHEN compliance_checks.last_passed_at > excluded.first_failed_at THEN compliance_checks.first_failed_at
        ELSE min(coalesce(compliance_checks.first_failed_at, excluded.first_failed_at), excluded.first_failed_at) END,
      last_passed_at = max(coalesce(compliance_checks.last_passed_at, excluded.last_passed_at), coalesce(excluded.last_passed_at, compliance_checks.last_passed_at))`);
  const event = db.prepare("INSERT INTO events (type, at, device_id, data) VALUES (?, ?, ?, ?)");
  const write = db.transaction((writes: ComplianceWrite[]) =>
    writes.map(({ record, checks, changedEvent }) => {
      const previous = selectRecord.get(record.deviceId, record.policyId);
      for (const c of checks) upsertCheck.run(record.deviceId, c.policyId, c.check, c.firstFailedAt, c.lastPassedAt);
      // An evaluation older than the stored one (it read before a newer one committed) must not
      // replace that record or report a change back to a result the device has left.
      if (previous && previous.evaluated_at > record.evaluatedAt) return false;
      const changed = !previous || previous.result !== record.result || (previous.passing === 1) !== record.passing;
      upsertRecord.run(record.deviceId, record.policyId, record.policyVersion, record.result, record.passing ? 1 : 0, record.evaluatedAt, JSON.stringify(record.detail));
      if (changed) {
        const data = { ...changedEvent.data, previous: previous ? { result: previous.result, passing: previous.passing === 1 } : null };
        event.run(changedEvent.type, changedEvent.at, changedEvent.deviceId, JSON.stringify(data));
      }
      return changed;
    }),
  );
  return (writes) => write.immediate(writes);
}

/**
 * Reads use `db`; `writeRows` runs the write transaction on whichever thread owns the write
 * connection (in WAL mode `db` sees it once committed).
 */
export function createComplianceStore(db: Database, writeRows: (writes: ComplianceWrite[]) => Promise<boolean[]>): ComplianceStore {
  const selectRecords = db.prepare<[string], ComplianceRecordRow>("SELECT * FROM compliance WHERE device_id = ? ORDER BY policy_id");
  // Every endpoint check reads these: as arrays, and without the records' detail it never uses.
  const selectChecks = db
    .prepare<[string], [policyId: string, check: string, firstFailedAt: number | null, lastPassedAt: number | null]>(
      "SELECT policy_id, check_name, first_failed_at, last_passed_at FROM compliance_checks WHERE device_id = ?",
    )
    .raw();
  const selectVerdicts = db
    .prepare<[string], [policyId: string, policyVersion: number, result: string, passing: number, evaluatedAt: number]>(
      "SELECT policy_id, policy_version, result, passing, evaluated_at FROM compliance WHERE device_id = ? ORDER BY policy_id",
    )
    .raw();
  // One prepared statement per IN-list length (at most MAX_POLICIES_PER_CALL of them): preparing
  // per call cost more than running the query on every endpoint check.
  const checkStates = new Map<number, Statement<unknown[], CheckRow>>();
  const checkStatesFor = (n: number): Statement<unknown[], CheckRow> => {
    let statement = checkStates.get(n);
    if (!statement) {
      statement = db.prepare<unknown[], CheckRow>(`SELECT policy_id, check_name, first_failed_at, last_passed_at FROM compliance_checks WHERE device_id = ? AND policy_id IN (${Array(n).fill("?").join(", ")})`);
      checkStates.set(n, statement);
    }
    return statement;
  };

  return {
    async getCheckStates(deviceId, policyIds) {
      if (policyIds.length === 0) return [];
      const rows = checkStatesFor(policyIds.length).all(deviceId, ...policyIds);
      return rows.map((r): ComplianceCheckState => ({ policyId: r.policy_id, check: r.check_name, firstFailedAt: r.first_failed_at, lastPassedAt: r.last_passed_at }));
    },
    async evaluationState(deviceId) {
      return {
        checks: selectChecks.all(deviceId).map(([policyId, check, firstFailedAt, lastPassedAt]) => ({ policyId, check, firstFailedAt, lastPassedAt })),
        verdicts: selectVerdicts.all(deviceId).map(([policyId, policyVersion, result, passing, evaluatedAt]) => ({ policyId, policyVersion, result, passing: passing === 1, evaluatedAt })),
      };
    },
    async getCompliance(deviceId) {
      return selectRecords.all(deviceId).map(complianceRecordFromRow);
    },
    async recordCompliance(writes) {
      return writes.length === 0 ? [] : writeRows(writes);
    },
  };
}
