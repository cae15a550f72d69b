/**
 * The embedded default Store: one SQLite file through better-sqlite3.
 *
 * Durability: journal_mode=WAL with synchronous=FULL on every connection (connection.ts): the
 * connector acks a snapshot only after its commit, so the commit must mean "on disk". The fsync
 * cost is amortised by the ingest batcher, which puts many agents' snapshots in one transaction,
 * and those transactions run on a writer thread (writer-thread.ts) so they do not stop the
 * event loop; everything else, reads included, uses the main thread's connection.
 *
 *   const store = openSqliteStore("/var/lib/facet/facet.db");
 */
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import type { Store } from "../types.ts";
import { createComplianceStore, createComplianceWriter } from "./compliance.ts";
import { openSqliteConnection } from "./connection.ts";
import { createDeviceStore } from "./devices.ts";
import { createEventBatchWriter, createEventStore } from "./events.ts";
import { createFleetStore } from "./fleet.ts";
import { MIGRATIONS, migrate, type Migration } from "./migrations/index.ts";
import { createPolicyStore } from "./policies.ts";
import { createSettingsStore } from "./settings.ts";
import { createSnapshotBatchWriter } from "./snapshot-writes.ts";
import { createSnapshotStore } from "./snapshots.ts";
import { createTokenStore } from "./tokens.ts";
import { SnapshotWriterThread } from "./writer-thread.ts";

export interface SqliteStoreOptions {
  /** Snapshots kept per device, the latest included. */
  historyLimit?: number;
  /** Extra migrations are appended to MIGRATIONS by editing that list, not passed here in production. */
  migrations?: Migration[];
  /**
   * Run snapshot batch, compliance and event batch transactions on a worker thread (default) or on the caller's thread.
   * An in-memory database is always written in-thread: a second connection would not share it.
   */
  writerThread?: boolean;
}

export const DEFAULT_HISTORY_LIMIT = 20;

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Store & { readonly path: string } {
  // Create the file 0600 before SQLite does, so facts and token hashes are never world-readable
  // (SQLite gives the -wal and -shm files the database file's mode).
  if (path !== ":memory:" && !existsSync(path)) closeSync(openSync(path, "a", 0o600));
  if (path !== ":memory:") chmodSync(path, 0o600);

  const historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  if (!Number.isInteger(historyLimit) || historyLimit < 1) throw new RangeError("historyLimit must be a positive integer");
  const db = openSqliteConnection(path);
  // Before the writer thread opens its connection: it expects the schema in place.
  migrate(db, options.migrations ?? MIGRATIONS);
  const writer = path !== ":memory:" && options.writerThread !== false ? new SnapshotWriterThread({ path, historyLimit }) : null;
  const writeInThread = writer ? null : createSnapshotBatchWriter(db, historyLimit);
  const writeComplianceInThread = writer ? null : createComplianceWriter(db);
  const writeEventsInThread = writer ? null : createEventBatchWriter(db);

  const countable = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map((r) => r.name);

  let closed = false;
  return {
    kind: "sqlite",
    path,
    ...createTokenStore(db),
    ...createDeviceStore(db),
    ...createSnapshotStore(db, writer ? (batch, move) => writer.write(batch, move) : async (batch) => writeInThread!(batch)),
    ...createEventStore(db, writer ? (events) => writer.writeEvents(events) : async (events) => writeEventsInThread!(events)),
    ...createSettingsStore(db),
    ...createFleetStore(db),
    ...createPolicyStore(db),
    ...createComplianceStore(db, writer ? (writes) => writer.writeCompliance(writes) : async (writes) => writeComplianceInThread!(writes)),
    async counts() {
      const out: Record<string, number> = {};
      for (const name of countable) {
        out[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await writer?.close();
      db.close();
    },
  };
}
