import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 7,
  name: "the policy facts of each device's latest snapshot, made at ingest",
  up(db) {
    // Derived like snapshot_views, and read only when its seq is the device's last_seq. A table of
    // its own rather than a column of snapshot_views: a row stores its columns in order, so a
    // column after the tens-of-KB view would be read by walking the view's overflow pages.
    db.exec(`
      CREATE TABLE snapshot_policy_facts (
        device_id    TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        collected_at INTEGER NOT NULL,
        version      INTEGER NOT NULL,
        facts        TEXT NOT NULL
      ) STRICT;
    `);
  },
};
