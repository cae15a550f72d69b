/**
 * Opens one better-sqlite3 connection with the settings every connection of the store needs.
 * The store holds two: the main thread's (reads and small writes) and the snapshot writer
 * thread's (writer-thread.ts). Durability and locking are per connection, so both must get them.
 *
 * journal_mode=WAL with synchronous=FULL: in WAL mode NORMAL only syncs at checkpoints, so a
 * commit survives a process crash but can be lost on power failure; FULL fsyncs the WAL on every
 * commit. The connector acks a snapshot only after its commit and the agent then drops its copy,
 * so the commit must mean "on disk".
 */
import BetterSqlite3, { type Database } from "better-sqlite3";

export function openSqliteConnection(path: string): Database {
  const db = new BetterSqlite3(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  // The other connection (or another process: the CLI, a second connector) may hold the write
  // lock for one batch commit; wait for it rather than fail.
  db.pragma("busy_timeout = 5000");
  return db;
}
