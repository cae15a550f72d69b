/**
 * The PostgreSQL Store: the same contract as the SQLite store, for several connector replicas
 * sharing one database. Laid out like ../sqlite/: one file per concern (tokens.ts, devices.ts,
 * snapshots.ts, events.ts, settings.ts, policies.ts, compliance.ts, fleet.ts), composed here with the pool, the
 * retried transaction, migrations and housekeeping.
 *
 * Every check that guards a write (seq greater than the last accepted, device live, token uses
 * left) happens inside the SQL that writes, so two replicas racing on the same device or token
 * cannot both win: the row lock taken by `UPDATE … WHERE …` serialises them and the loser sees the
 * winner's row when PostgreSQL re-checks the condition.
 */
import type pg from "pg";
import type { Store } from "../types.ts";
import type { PostgresAccess } from "./access.ts";
import { createPostgresClusterStatements, type ClusterStatements, type ClusterStore } from "./cluster.ts";
import { createPool, parsePostgresLocation, quoteIdent, type PostgresLocation } from "./connection.ts";
import { createPostgresComplianceStore } from "./compliance.ts";
import { createPostgresDeviceStore } from "./devices.ts";
import { createPostgresEventStore } from "./events.ts";
import { createPostgresFleetStore } from "./fleet.ts";
import { migrate, type MigrationReport } from "./migrations/index.ts";
import { createPostgresPolicyStore } from "./policies.ts";
import { createPostgresSettingsStore } from "./settings.ts";
import { createPostgresSnapshotStore } from "./snapshots.ts";
import { createPostgresTokenStore } from "./tokens.ts";

export interface PostgresStoreOptions {
  /** Snapshots kept per device, the latest included. */
  historyLimit?: number;
  /** Pool size per replica. */
  poolSize?: number;
  applicationName?: string;
  /** Apply pending migrations on open (default true). With false, open fails if any are pending. */
  migrate?: boolean;
  /** Called for errors on idle connections (the pool replaces them); log, do not throw. */
  onConnectionError?: (err: Error) => void;
}

export const DEFAULT_HISTORY_LIMIT = 20;

/** Coordination tables: they change as agents come and go, not as data is written. */
const NOT_COUNTED = new Set(["schema_migrations", "presence", "replicas"]);

/** PostgreSQL error codes worth one more try: the transaction did nothing and may succeed now. */
const RETRYABLE = new Set(["40001", "40P01"]);

/** Every Store method, each from the per-concern store that implements it (tokens.ts, devices.ts, …). */
type Concerns = Omit<Store, "kind" | "counts" | "close">;
// Merged with the class below: it types the methods the constructor assigns from the concerns.
export interface PostgresStore extends Concerns {}

export class PostgresStore implements Store, PostgresAccess, ClusterStore {
  readonly kind = "postgres" as const;
  readonly pool: pg.Pool;
  readonly location: PostgresLocation;
  /** What connector/cluster/ runs (presence, NOTIFY, device upkeep): kept apart from the Store methods. */
  readonly cluster: ClusterStatements;
  private countable: string[] | undefined;
  private closed = false;

  private constructor(location: PostgresLocation, pool: pg.Pool, historyLimit: number) {
    this.location = location;
    this.pool = pool;
    this.cluster = createPostgresClusterStatements(this);
    const concerns: Concerns = {
      ...createPostgresTokenStore(this),
      ...createPostgresDeviceStore(this),
      ...createPostgresSnapshotStore(this, historyLimit),
      ...createPostgresEventStore(this),
      ...createPostgresSettingsStore(this),
      ...createPostgresPolicyStore(this),
      ...createPostgresComplianceStore(this),
      ...createPostgresFleetStore(pool),
    };
    Object.assign(this, concerns);
  }

  /** Connects, applies pending migrations (under an advisory lock), and returns the store. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const location = parsePostgresLocation(url);
    const pool = createPool(location, {
      max: options.poolSize ?? 10,
      applicationName: options.applicationName ?? "facet-connector",
      onError: options.onConnectionError ?? (() => {}),
    });
    const store = new PostgresStore(location, pool, Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT));
    try {
      if (options.migrate === false) await store.assertMigrated();
      else await store.migrate();
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return store;
  }

  async migrate(): Promise<MigrationReport> {
    const client = await this.pool.connect();
    try {
      return await migrate(client, this.location.schema);
    } finally {
      client.release();
    }
  }

  private async assertMigrated(): Promise<void> {
    const { MIGRATIONS } = await import("./migrations/index.ts");
    const want = Math.max(...MIGRATIONS.map((m) => m.version));
    const { rows } = await this.pool
      .query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations")
      .catch(() => ({ rows: [{ v: null }] }));
    const have = rows[0]?.v ?? 0;
    if (have !== want) throw new Error(`database schema is at version ${have}, this Facet needs ${want}: run \`facet-connector migrate\``);
  }

  /** Runs fn in one transaction on one connection; retries once on deadlock or serialization failure. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await fn(client);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackErr) {
          // The connection itself failed: do not hand it back to the pool.
          broken = rollbackErr as Error;
        }
        const code = (err as { code?: string }).code;
        if (attempt < 3 && code && RETRYABLE.has(code)) continue;
        throw err;
      } finally {
        client.release(broken);
      }
    }
  }

  async counts(): Promise<Record<string, number>> {
    this.countable ??= (
      await this.pool.query<{ t: string }>(
        "SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND NOT (tablename = ANY($1::text[])) ORDER BY tablename",
        [[...NOT_COUNTED]],
      )
    ).rows.map((r) => r.t);
    if (this.countable.length === 0) return {};
    const { rows } = await this.pool.query<{ t: string; n: number }>(
      this.countable.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${quoteIdent(t)}`).join(" UNION ALL "),
    );
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

export function openPostgresStore(url: string, options?: PostgresStoreOptions): Promise<PostgresStore> {
  return PostgresStore.open(url, options);
}
