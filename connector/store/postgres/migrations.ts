/**
 * Versioned schema migrations for the PostgreSQL store.
 *
 * Each migration runs once, in its own transaction, in version order; `schema_migrations` records
 * what ran. Several replicas may start at the same moment, so the whole run holds an advisory lock
 * (keyed by the schema name, so separate schemas in one database never wait for each other).
 * Migrations are append-only: never edit one that has shipped, add the next version instead.
 */
import type pg from "pg";
import { quoteIdent } from "./connection.ts";
import { policyMigration } from "./policies.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
      CREATE TABLE api_tokens (
        id          text PRIMARY KEY,
        name        text NOT NULL,
        scopes      jsonb NOT NULL,
        hash        text NOT NULL UNIQUE,
        created_at  bigint NOT NULL,
        revoked_at  bigint
      );

      CREATE TABLE enroll_tokens (
        id          text PRIMARY KEY,
        label       text,
        hash        text NOT NULL UNIQUE,
        created_at  bigint NOT NULL,
        expires_at  bigint,
        max_uses    integer,
        uses        integer NOT NULL DEFAULT 0,
        revoked_at  bigint
      );

      CREATE TABLE devices (
        id             text PRIMARY KEY,
        name           text,
        public_key     text NOT NULL,
        platform       text,
        serial         text,
        manufacturer   text,
        model          text,
        machine_id     text,
        hardware_uuid  text,
        hostname       text,
        username       text,
        enrolled_at    bigint NOT NULL,
        revoked_at     bigint,
        last_seq       bigint NOT NULL DEFAULT 0,
        last_seen_at   bigint
      );
      CREATE INDEX devices_serial ON devices (serial);
      CREATE INDEX devices_hostname ON devices (lower(hostname));
      CREATE INDEX devices_machine_id ON devices (machine_id);
      CREATE INDEX devices_hardware_uuid ON devices (hardware_uuid);
      CREATE INDEX devices_username ON devices (lower(username));

      -- Usernames seen in each device's latest snapshot (users[]), for endpoint lookups by user.
      -- Case-insensitive like the SQLite store's NOCASE column.
      CREATE TABLE device_users (
        device_id  text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        username   text NOT NULL
      );
      CREATE UNIQUE INDEX device_users_key ON device_users (device_id, lower(username));
      CREATE INDEX device_users_username ON device_users (lower(username));

      -- Capped history per device; the latest is the row whose seq equals devices.last_seq.
      -- Only the signed body is kept: facts and unknown are read back from it, so what is served
      -- is exactly what was signed (and jsonb, which refuses NUL, never sees device input).
      CREATE TABLE snapshots (
        device_id     text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        seq           bigint NOT NULL,
        collected_at  bigint NOT NULL,
        received_at   bigint NOT NULL,
        body          text NOT NULL,
        signature     text NOT NULL,
        PRIMARY KEY (device_id, seq)
      );

      CREATE TABLE events (
        id         bigserial PRIMARY KEY,
        type       text NOT NULL,
        at         bigint NOT NULL,
        device_id  text,
        data       text NOT NULL
      );
      CREATE INDEX events_type_id ON events (type, id);
      CREATE INDEX events_device_id ON events (device_id, id);
      CREATE INDEX events_at ON events (at);

      CREATE TABLE settings (
        key    text PRIMARY KEY,
        value  text NOT NULL
      );
    `,
  },
  {
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
  },
  policyMigration(3),
  {
    version: 4,
    name: "devices by public key",
    // Enrollment looks the key up in every enroll transaction (key_in_use / key_revoked). Not
    // unique: a database enrolled before that check existed may hold a key live and revoked.
    sql: "CREATE INDEX devices_public_key ON devices (public_key);",
  },
  {
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
  },
];

export interface MigrationReport {
  applied: number[];
  current: number;
}

/** A stable 32-bit key for pg_advisory_lock, derived from the schema name. */
function lockKey(schema: string): number {
  let h = 0x811c9dc5;
  for (const ch of `facet-migrate:${schema}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * Applies every pending migration. Refuses to run against a schema migrated by a newer Facet,
 * because this code would then read and write tables it does not understand.
 */
export async function migrate(client: pg.ClientBase, schema: string | null, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  const name = schema ?? (await client.query<{ s: string | null }>("SELECT current_schema() AS s")).rows[0]?.s ?? "public";
  const key = lockKey(name);
  await client.query("SELECT pg_advisory_lock($1)", [key]);
  try {
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      applied_at  bigint NOT NULL
    )`);
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
    const done = new Set(rows.map((r) => r.version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...done);
    if (newest > known) {
      throw new Error(`database schema is at version ${newest} but this Facet knows only up to ${known}; upgrade Facet`);
    }
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [m.version, m.name, Date.now()]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
    }
    return { applied, current: Math.max(newest, ...applied) };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [key]);
  }
}
