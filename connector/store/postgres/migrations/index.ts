/**
 * Versioned schema migrations for the PostgreSQL store, one file per migration (NNN-name.ts),
 * numbered with the SQLite migrations (../../sqlite/migrations/): a number means the same change
 * on both backends, and a change one backend does not need leaves its number unused there.
 *
 * Each migration runs once, in its own transaction, in version order; `schema_migrations` records
 * what ran (databases migrated before this layout recorded the same numbers). Several replicas
 * may start at the same moment, so the whole run holds an advisory lock (keyed by the schema name,
 * so separate schemas in one database never wait for each other). Migrations are append-only:
 * never edit one that has shipped, add the next number instead.
 */
import type pg from "pg";
import { quoteIdent } from "../connection.ts";
import type { Migration } from "./migration.ts";
import { migration as initial } from "./001-initial.ts";
import { migration as clusterPresence } from "./002-cluster-presence.ts";
import { migration as policies } from "./003-policies.ts";
import { migration as devicesByPublicKey } from "./004-devices-by-public-key.ts";
import { migration as deviceBindings } from "./005-device-bindings.ts";
import { migration as snapshotViews } from "./006-snapshot-views.ts";
import { migration as snapshotPolicyFacts } from "./007-snapshot-policy-facts.ts";
import { migration as deflatedViews } from "./008-deflated-views.ts";

export type { Migration } from "./migration.ts";

export const MIGRATIONS: readonly Migration[] = [initial, clusterPresence, policies, devicesByPublicKey, deviceBindings, snapshotViews, snapshotPolicyFacts, deflatedViews];

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
