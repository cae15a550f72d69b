/**
 * Opens the Store named by a location string:
 *   - a file path (or `sqlite:<path>`): the embedded SQLite store;
 *   - `postgres://…` / `postgresql://…`: the PostgreSQL store (connector/store/postgres/).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Store } from "./types.ts";
import { openSqliteStore, type SqliteStoreOptions } from "./sqlite/index.ts";

export interface OpenStoreOptions extends SqliteStoreOptions {}

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresLocation(location)) {
    // Hook for the PostgreSQL backend: connector/store/postgres/index.ts exports
    // `openPostgresStore(url, options): Promise<Store>`. Imported lazily so a SQLite-only
    // deployment never loads `pg`.
    const modulePath = "./postgres/index.ts";
    const pg = (await import(modulePath)) as { openPostgresStore(url: string, options: OpenStoreOptions): Promise<Store> };
    return pg.openPostgresStore(location, options);
  }
  const path = location.startsWith("sqlite:") ? location.slice("sqlite:".length) : location;
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
  return openSqliteStore(path, options);
}
