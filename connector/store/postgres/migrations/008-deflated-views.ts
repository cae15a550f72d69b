import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 8,
  name: "each device's stored view kept deflated",
  // The views are derived from the signed bodies, which stay: a device whose view is dropped here
  // has it rendered from its body on read until its next snapshot stores one again. EXTERNAL: the
  // bytes are deflated already, so TOAST does not try to compress them again.
  sql: `
    DROP TABLE snapshot_views;
    CREATE TABLE snapshot_views (
      device_id    text PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
      seq          bigint NOT NULL,
      collected_at bigint NOT NULL,
      version      integer NOT NULL,
      deflated     bytea NOT NULL,
      crc32        bigint NOT NULL,
      length       integer NOT NULL
    );
    ALTER TABLE snapshot_views ALTER COLUMN deflated SET STORAGE EXTERNAL;
  `,
};
