import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 6,
  name: "the authentik view of each device's latest snapshot, rendered at ingest",
  // Derived from the signed body, which stays the record: one row per device, replaced by each
  // accepted snapshot that carries a view, and read only when its seq is the device's last_seq.
  sql: `
    CREATE TABLE snapshot_views (
      device_id    text PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
      seq          bigint NOT NULL,
      collected_at bigint NOT NULL,
      version      integer NOT NULL,
      view         text NOT NULL
    );
  `,
};
