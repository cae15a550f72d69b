/**
 * Where the connector keeps its state by default, so `facet` on the same host finds the admin
 * token without flags: root → /var/lib/facet, otherwise $XDG_STATE_HOME/facet (~/.local/state/facet).
 * FACET_DATABASE overrides for both the connector and the CLI.
 */
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACET_DATABASE) return env.FACET_DATABASE;
  if (process.platform !== "win32" && process.getuid?.() === 0) return "/var/lib/facet/facet.db";
  if (process.platform === "win32") return join(env.ProgramData ?? "C:\\ProgramData", "Facet", "connector", "facet.db");
  return join(env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "facet", "facet.db");
}

export const DEFAULT_PORT = 8787;

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
