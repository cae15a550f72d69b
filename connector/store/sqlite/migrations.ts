/**
 * Numbered, append-only schema migrations for the SQLite store. Each runs once, in order, in its
 * own transaction, and `PRAGMA user_version` records the last one applied. To change the schema,
 * append a new entry (never edit an applied one): a database created by an older connector then
 * upgrades in place on the next start.
 */
import type { Database } from "better-sqlite3";
import { policyMigration } from "./policies.ts";

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "devices, snapshots, tokens, events, settings",
    up(db) {
      db.exec(`
        CREATE TABLE devices (
          id            TEXT PRIMARY KEY,
          name          TEXT,
          public_key    TEXT NOT NULL,
          platform      TEXT,
          serial        TEXT,
          manufacturer  TEXT,
          model         TEXT,
          machine_id    TEXT,
          hardware_uuid TEXT,
          hostname      TEXT,
          username      TEXT,
          enrolled_at   INTEGER NOT NULL,
          revoked_at    INTEGER,
          last_seq      INTEGER NOT NULL DEFAULT 0,
          last_seen_at  INTEGER
        ) STRICT;
        CREATE INDEX devices_serial ON devices(serial);
        CREATE INDEX devices_hostname ON devices(hostname COLLATE NOCASE);
        CREATE INDEX devices_machine_id ON devices(machine_id);
        CREATE INDEX devices_hardware_uuid ON devices(hardware_uuid);
        CREATE INDEX devices_username ON devices(username COLLATE NOCASE);

        -- Usernames seen in each device's latest snapshot (users[]), for endpoint lookups by user.
        CREATE TABLE device_users (
          device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
          username  TEXT NOT NULL COLLATE NOCASE,
          PRIMARY KEY (device_id, username)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX device_users_username ON device_users(username);

        -- Capped history per device; the latest is the row whose seq equals devices.last_seq.
        CREATE TABLE snapshots (
          device_id    TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
          seq          INTEGER NOT NULL,
          collected_at INTEGER NOT NULL,
          received_at  INTEGER NOT NULL,
          body         TEXT NOT NULL,
          -- Only the signed body is kept: facts and unknown are read back from it, so what is
          -- served is always exactly what was signed and can be re-verified.
          signature    TEXT NOT NULL,
          PRIMARY KEY (device_id, seq)
        ) STRICT;

        CREATE TABLE api_tokens (
          id         TEXT PRIMARY KEY,
          name       TEXT NOT NULL,
          scopes     TEXT NOT NULL,
          hash       TEXT NOT NULL UNIQUE,
          created_at INTEGER NOT NULL,
          revoked_at INTEGER
        ) STRICT;

        CREATE TABLE enroll_tokens (
          id         TEXT PRIMARY KEY,
          label      TEXT,
          hash       TEXT NOT NULL UNIQUE,
          created_at INTEGER NOT NULL,
          expires_at INTEGER,
          max_uses   INTEGER,
          uses       INTEGER NOT NULL DEFAULT 0,
          revoked_at INTEGER
        ) STRICT;

        CREATE TABLE events (
          id        INTEGER PRIMARY KEY AUTOINCREMENT,
          type      TEXT NOT NULL,
          at        INTEGER NOT NULL,
          device_id TEXT,
          data      TEXT NOT NULL
        ) STRICT;
        CREATE INDEX events_type_at ON events(type, at);
        CREATE INDEX events_at ON events(at);
        CREATE INDEX events_device ON events(device_id, id);

        CREATE TABLE settings (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  policyMigration(2),
  {
    version: 3,
    name: "devices by public key",
    up(db) {
      // Enrollment looks the key up in every enroll transaction (key_in_use / key_revoked). Not
      // unique: a database enrolled before that check existed may hold a key live and revoked.
      db.exec("CREATE INDEX devices_public_key ON devices(public_key);");
    },
  },
  {
    version: 4,
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
  },
];

/** Applies every migration newer than the database's `user_version`; refuses a newer database. */
export function migrate(db: Database, migrations: Migration[] = MIGRATIONS): number {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1..n without gaps (found ${m.version} at ${i + 1})`);
  });
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = sorted.length;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this connector knows (${latest}); upgrade the connector`);
  }
  for (const m of sorted.slice(current)) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}
