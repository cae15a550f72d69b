import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 6,
  name: "the authentik view of each device's latest snapshot, rendered at ingest",
  up(db) {
    // Derived from the signed body, which stays the record: one row per device, replaced by each
    // accepted snapshot that carries a view, and read only when its seq is the device's last_seq.
    db.exec(`
      CREATE TABLE snapshot_views (
        device_id    TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        collected_at INTEGER NOT NULL,
        version      INTEGER NOT NULL,
        view         TEXT NOT NULL
      ) STRICT;
    `);
  },
};
