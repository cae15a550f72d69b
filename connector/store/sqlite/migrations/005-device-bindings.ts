import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 5,
  name: "device bindings by authority, enrollment tokens bound to a user",
  up(db) {
    // A device belongs to a user because an admin, a user-bound enrollment token or the
    // identity provider said so; device_users keeps only what the device itself claims.
    db.exec(`
      CREATE TABLE device_bindings (
        device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
        username  TEXT NOT NULL COLLATE NOCASE,
        source    TEXT NOT NULL CHECK (source IN ('admin', 'enrollment', 'idp')),
        bound_by  TEXT NOT NULL,
        bound_at  INTEGER NOT NULL,
        PRIMARY KEY (device_id, username)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX device_bindings_username ON device_bindings(username);
      ALTER TABLE enroll_tokens ADD COLUMN username TEXT;
    `);
  },
};
