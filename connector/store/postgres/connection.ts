/**
 * Turns a `postgres://` location into a pg pool configured the way the store expects.
 *
 * Facet reads one extra query parameter, `schema=<name>`: the store then lives in that schema
 * (created if missing) through the connection's search_path, so several installations or test
 * runs share one database without colliding. Everything else in the URL goes to pg unchanged.
 */
import pg from "pg";

export interface PostgresLocation {
  /** The URL pg connects with, without Facet's own parameters. */
  connectionString: string;
  /** The schema the store uses, or null for the role's default search_path. */
  schema: string | null;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export function parsePostgresLocation(location: string): PostgresLocation {
  if (!isPostgresLocation(location)) throw new Error("a PostgreSQL location starts with postgres:// or postgresql://");
  const url = new URL(location);
  const schema = url.searchParams.get("schema");
  url.searchParams.delete("schema");
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new Error(`schema must match ${SCHEMA_NAME} (lower-case letters, digits, underscore)`);
  }
  return { connectionString: url.toString(), schema };
}

/** The same location with the password hidden, for logs and error messages. */
export function redactLocation(location: string): string {
  try {
    const url = new URL(location);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "postgres://(unparseable)";
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// int8 columns hold epoch milliseconds and seqs, both within Number.MAX_SAFE_INTEGER; pg returns
// them as strings by default. Scoped to our own pools so other pg users in the process are untouched.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 && format !== "binary") return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  },
} as unknown as pg.CustomTypesConfig;

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /** How long to wait for a connection before a query fails (ms); default 5000. */
  connectionTimeoutMillis?: number;
  onError?: (err: Error) => void;
}

export function clientConfig(loc: PostgresLocation, applicationName = "facet-connector"): pg.ClientConfig {
  return {
    connectionString: loc.connectionString,
    application_name: applicationName,
    keepAlive: true,
    types,
    ...(loc.schema ? { options: `-c search_path=${loc.schema}` } : {}),
  };
}

export function createPool(loc: PostgresLocation, opts: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    ...clientConfig(loc, opts.applicationName),
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose backend dies (server restart, pg_terminate_backend) emits 'error' on the
  // pool; unhandled, that would crash the process. The pool drops the client and makes a new one.
  pool.on("error", (err) => opts.onError?.(err));
  // pg-pool removes its listener while a client is checked out. A backend terminated then, between
  // two queries of a transaction, would emit 'error' on the client with no listener and kill the
  // process (found by test/cluster/database-connections-killed.test.ts). The error is not lost:
  // the client's next query rejects, and the store releases it as broken so the pool drops it.
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}
