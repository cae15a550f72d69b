/**
 * Schema migrations for the SQLite store, one file per migration (NNN-name.ts), numbered with the
 * PostgreSQL migrations (../../postgres/migrations/): a number means the same change on both
 * backends, and 002 (cluster presence) is PostgreSQL's alone. Each runs once, in order, in its own
 * transaction. Append-only: never edit one that has shipped, add the next number instead.
 *
 * `PRAGMA user_version` counts the migrations applied, in this order — what it has always held:
 * a database from before this layout at user_version 2 has 001 and 003, at 4 all of 001–005. So
 * deployed databases open without re-running anything, and an older connector still refuses a
 * database that has more migrations than it knows.
 */
import type { Database } from "better-sqlite3";
import type { Migration } from "./migration.ts";
import { migration as initial } from "./001-initial.ts";
import { migration as policies } from "./003-policies.ts";
import { migration as devicesByPublicKey } from "./004-devices-by-public-key.ts";
import { migration as deviceBindings } from "./005-device-bindings.ts";
import { migration as snapshotViews } from "./006-snapshot-views.ts";
import { migration as snapshotPolicyFacts } from "./007-snapshot-policy-facts.ts";
import { migration as deflatedViews } from "./008-deflated-views.ts";

export type { Migration } from "./migration.ts";

export const MIGRATIONS: readonly Migration[] = [initial, policies, devicesByPublicKey, deviceBindings, snapshotViews, snapshotPolicyFacts, deflatedViews];

/** Applies every migration the database's `user_version` does not count yet; refuses a newer database. Returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (i > 0 && m.version === sorted[i - 1]!.version) throw new Error(`two migrations are numbered ${m.version}`);
  });
  const applied = db.pragma("user_version", { simple: true }) as number;
  if (applied > sorted.length) {
    throw new Error(`database schema version ${applied} is newer than this connector knows (${sorted.length}); upgrade the connector`);
  }
  const ran: number[] = [];
  sorted.slice(applied).forEach((m, i) => {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${applied + i + 1}`);
    })();
    ran.push(m.version);
  });
  return ran;
}
