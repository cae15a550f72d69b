import type { Migration } from "./migration.ts";

export const migration: Migration = {
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
};
