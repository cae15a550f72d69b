import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 7,
  name: "the policy facts of each device's latest snapshot, made at ingest",
  // Derived like snapshot_views, and read only when its seq is the device's last_seq. A table of
  // its own rather than a column of snapshot_views, so reading the few KB of a device's policy
  // facts never fetches its TOASTed view.
  sql: `
    CREATE TABLE snapshot_policy_facts (
      device_id    text PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
      seq          bigint NOT NULL,
      collected_at bigint NOT NULL,
      version      integer NOT NULL,
      facts        text NOT NULL
    );
  `,
};
