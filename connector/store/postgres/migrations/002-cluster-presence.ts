/** PostgreSQL only: SQLite has one connector process, so nothing to coordinate (no 002 there). */
import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 2,
  name: "cluster presence",
  sql: `
    -- Which replica holds each agent's WebSocket. A row is live while lease_until is in the
    -- future; a replica that dies stops renewing, so its agents read as disconnected once the
    -- lease runs out, without anyone having to clean up after it.
    CREATE TABLE presence (
      device_id     text PRIMARY KEY,
      replica_id    text NOT NULL,
      connected_at  bigint NOT NULL,
      lease_until   bigint NOT NULL
    );
    CREATE INDEX presence_replica ON presence (replica_id);

    CREATE TABLE replicas (
      id            text PRIMARY KEY,
      started_at    bigint NOT NULL,
      lease_until   bigint NOT NULL,
      address       text
    );
  `,
};
