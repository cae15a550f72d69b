/**
 * Tells "the database is not reachable right now" from every other failure, so REST can answer
 * 503 with Retry-After (a caller such as an auth server retries, or fails its flow closed) instead
 * of a 500 that reads as a bug in Facet.
 */

/** PostgreSQL SQLSTATE classes and codes meaning the server is gone or refusing work for now. */
const PG_UNAVAILABLE = /^(08|53|57P0[1-3])/;
const NET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/**
 * SQLite: another writer held the database past busy_timeout; the disk is full; the file or its
 * filesystem is read-only or failing. None is a bug in Facet, and each can pass (space freed, a
 * remount), so callers get 503 and retry.
 */
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN)(_|$)/;
/** The same conditions as the OS reports them (a WAL or journal file, a store directory). */
const FS_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EIO"]);
/** node-postgres reports a dropped or timed-out connection as a plain Error with one of these messages. */
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (NET_CODES.has(code) || FS_CODES.has(code) || SQLITE_CODES.test(code) || PG_UNAVAILABLE.test(code))) return true;
    if (PG_MESSAGES.test(e.message)) return true;
    if (e instanceof AggregateError && e.errors.some(isStoreUnavailable)) return true;
  }
  return false;
}
