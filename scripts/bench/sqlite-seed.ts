/**
 * Enrolls a large fleet into a SQLite file before the connector starts: the store's migrations
 * applied through the store itself, then every device row in one transaction on a connection of
 * our own with synchronous=OFF. Enrolling through the store is one durable transaction per device
 * (the token use, the row and its event) — minutes for 50,000 devices — and the bench measures
 * lookups, not enrollment (POST /v1/enroll is measured on a sample). The rows are what the store's
 * enrollDevice writes; the enrollment events and token uses are left out.
 */
import Database from "better-sqlite3";
import { openStore } from "../../connector/store/open.ts";
import { newDeviceId } from "../../connector/tokens/secrets.ts";

export interface SeedRow {
  publicKey: string;
  hostname: string;
  username: string;
}

/** Inserts the devices and returns their new ids, in order. */
export async function seedSqliteDevices(path: string, rows: SeedRow[]): Promise<string[]> {
  await (await openStore(path)).close();
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = OFF");
    const insert = db.prepare(
      `INSERT INTO devices (id, name, public_key, platform, serial, manufacturer, model, machine_id, hardware_uuid,
                            hostname, username, enrolled_at, revoked_at, last_seq, last_seen_at)
       VALUES (?, ?, ?, 'linux', NULL, NULL, NULL, NULL, NULL, ?, ?, ?, NULL, 0, NULL)`,
    );
    const now = Date.now();
    const ids = rows.map(() => newDeviceId());
    db.transaction(() => rows.forEach((r, i) => insert.run(ids[i], r.hostname, r.publicKey, r.hostname, r.username, now)))();
    db.pragma("wal_checkpoint(TRUNCATE)");
    return ids;
  } finally {
    db.close();
  }
}
