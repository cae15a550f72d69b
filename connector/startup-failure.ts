/**
 * Maps whatever stopped `serve` from starting to a StartupError: one line and its exit code
 * (startup-errors.ts, docs/deploy.md). Errors already classified pass through; the rest are
 * recognised by their codes (the listener's, PostgreSQL's, OpenSSL's, SQLite's).
 */
import { isPostgresLocation } from "./store/open.ts";
import { isStoreUnavailable } from "./store/unavailable.ts";
import { StartupError } from "./startup-errors.ts";

interface Context {
  host: string;
  port: number;
  database?: string;
}

export function startupFailure(error: unknown, ctx: Context): StartupError {
  if (error instanceof StartupError) return error;
  const e = error as NodeJS.ErrnoException & { syscall?: string };
  const code = typeof e?.code === "string" ? e.code : "";
  const message = String(e?.message ?? error);
  if (code === "EADDRINUSE") return new StartupError("listen", `port ${ctx.port} on ${ctx.host} is already in use by another process; stop it or choose another --port`);
  if (code === "EACCES" && e.syscall === "listen") return new StartupError("listen", `not allowed to listen on ${ctx.host}:${ctx.port} (ports below 1024 need privileges); choose another --port`);
  if (code === "EADDRNOTAVAIL") return new StartupError("listen", `${ctx.host} is not an address of this machine; fix --host`);
  if (code.startsWith("ERR_OSSL") || /PEM|certificate|private key/i.test(message)) return new StartupError("tls", `the TLS certificate or key cannot be used: ${message}`);
  const database = ctx.database ?? "";
  if (isPostgresLocation(database)) {
    const where = postgresAddress(database);
    if (isStoreUnavailable(error) || /^(28|3D)/.test(code) || /ECONNREFUSED|ENOTFOUND|timeout|password|authentication/i.test(message)) {
      return new StartupError("postgres", `cannot use PostgreSQL at ${where}: ${scrub(message, database)}`);
    }
    // Migrated by a newer Facet (store/postgres/migrations/): a downgrade, which is not supported.
    if (/schema is at version/.test(message)) return new StartupError("database", `cannot use the database at PostgreSQL ${where}: ${scrub(message, database)}`);
  }
  if (code.startsWith("SQLITE_") || /newer database|schema version/i.test(message)) return new StartupError("database", `cannot use the database ${database}: ${message}`);
  return new StartupError("unknown", `could not start: ${scrub(message, database)}`);
}

/** host:port of a postgres:// URL, never its credentials. */
function postgresAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}`;
  } catch {
    return "the configured URL";
  }
}

function scrub(message: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? message.split(password).join("***") : message;
  } catch {
    return message;
  }
}
