/** What each per-concern PostgreSQL store (tokens.ts, devices.ts, …) is built on: the pool and one retried transaction. */
import type pg from "pg";

export interface PostgresAccess {
  pool: pg.Pool;
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}
