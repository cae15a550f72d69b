import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 5,
  name: "device bindings by authority, enrollment tokens bound to a user",
  // A device belongs to a user because an admin, a user-bound enrollment token or the identity
  // provider said so; device_users keeps only what the device itself claims.
  sql: `
    CREATE TABLE device_bindings (
      device_id  text NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
      username   text NOT NULL,
      source     text NOT NULL CHECK (source IN ('admin', 'enrollment', 'idp')),
      bound_by   text NOT NULL,
      bound_at   bigint NOT NULL
    );
    CREATE UNIQUE INDEX device_bindings_key ON device_bindings (device_id, lower(username));
    CREATE INDEX device_bindings_username ON device_bindings (lower(username));
    ALTER TABLE enroll_tokens ADD COLUMN username text;
  `,
};
