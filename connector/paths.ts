/**
 * Where the connector's commands find their database and state directory; the defaults are the
 * on-host contract with the CLI (api/local-connector.ts).
 */
import { dirname, resolve } from "node:path";
import { defaultDatabasePath } from "./api/local-connector.ts";

/** The database a command uses: its --database flag, else FACET_DATABASE_URL, else the default path. */
export function databaseLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.FACET_DATABASE_URL || undefined) ?? defaultDatabasePath(env);
}

/** A SQLite location's file, absolute (a `sqlite:` prefix dropped). */
export function sqliteFilePath(location: string): string {
  return resolve(location.startsWith("sqlite:") ? location.slice("sqlite:".length) : location);
}

/** Where admin.token and connector.url go by default: beside a SQLite database, else the default state directory. */
export function defaultStateDir(location: string, postgres: boolean): string {
  return postgres ? dirname(defaultDatabasePath()) : dirname(sqliteFilePath(location));
}
