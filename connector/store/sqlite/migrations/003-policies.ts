/** Policies, per-check grace state, latest compliance per device × policy. */
import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 3,
  name: "device assurance policies and compliance",
  up(db) {
    db.exec(`
      CREATE TABLE policies (
        id         TEXT PRIMARY KEY,
        version    INTEGER NOT NULL,
        name       TEXT NOT NULL,
        platform   TEXT NOT NULL,
        body       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE compliance_checks (
        device_id       TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        policy_id       TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
        check_name      TEXT NOT NULL,
        first_failed_at INTEGER,
        last_passed_at  INTEGER,
        PRIMARY KEY (device_id, policy_id, check_name)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE compliance (
        device_id      TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        policy_id      TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
        policy_version INTEGER NOT NULL,
        result         TEXT NOT NULL,
        passing        INTEGER NOT NULL,
        evaluated_at   INTEGER NOT NULL,
        detail         TEXT NOT NULL,
        PRIMARY KEY (device_id, policy_id)
      ) STRICT;
      CREATE INDEX compliance_policy ON compliance(policy_id)    `);
  },
};
