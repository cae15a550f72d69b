import type { Migration } from "./migration.ts";

export const migration: Migration = {
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
};
