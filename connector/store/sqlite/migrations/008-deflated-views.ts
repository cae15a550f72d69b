import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 8,
  name: "each device's stored view kept deflated",
  up(db) {
    // The views are derived from the signed bodies, which stay: a device whose view is dropped
    // here has it rendered from its body on read until its next snapshot stores one again.
    db.exec(`
      DROP TABLE snapshot_views;
      CREATE TABLE snapshot_views (
        device_id    TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        collected_at INTEGER NOT NULL,
        version      INTEGER NOT NULL,
        deflated     BLOB NOT NULL,
        crc32        INTEGER NOT NULL,
        length       INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
