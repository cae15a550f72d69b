/**
 * Tells "the database is not reachable right now" from every other failure, so REST can answer
 * 503 with Retry-After (a caller such as an auth server retries, or fails its flow closed) instead
 * of a 500 that reads as a bug in Facet.
 */

/** PostgreSQL SQLSTATE classes and codes meaning the server is gone or refusing work for now. */
const PG_UNAVAILABLE = /^(08|53|57P0[1-3])/;
const NET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** SQLite: another writer held the database past busy_timeout. */
const SQLITE_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED"]);
/** node-postgres reports a dropped or timed-out connection as a plain Error with one of these messages. */
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (NET_CODES.has(code) || SQLITE_CODES.has(code) || PG_UNAVAILABLE.test(code))) return true;
    if (PG_MESSAGES.test(e.message)) return true;
    if (e instanceof AggregateError && e.errors.some(isStoreUnavailable)) return true;
  }
  return false;
}
