/** Policies, per-check grace state, latest compliance per device × policy. */
import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 3,
  name: "device assurance policies and compliance",
  sql: `
    CREATE TABLE policies (
      id          text PRIMARY KEY,
      version     integer NOT NULL,
      name        text NOT NULL,
      platform    text NOT NULL,
      body        text NOT NULL,
      created_at  bigint NOT NULL,
      updated_at  bigint NOT NULL
    );

    CREATE TABLE compliance_checks (
      device_id        text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
      policy_id        text NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
      check_name       text NOT NULL,
      first_failed_at  bigint,
      last_passed_at   bigint,
      PRIMARY KEY (device_id, policy_id, check_name)
    );

    CREATE TABLE compliance (
      device_id       text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
      policy_id       text NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
      policy_version  integer NOT NULL,
      result          text NOT NULL,
      passing         boolean NOT NULL,
      evaluated_at    bigint NOT NULL,
      detail          text NOT NULL,
      PRIMARY KEY (device_id, policy_id)
    );
    CREATE INDEX compliance_policy ON compliance (policy_id);
  `,
};
