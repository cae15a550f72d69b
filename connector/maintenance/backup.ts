/**
 * `facet-connector backup`: a consistent copy of a SQLite database, safe while the connector runs.
 *
 * SQLite's online backup API copies the pages as of one read transaction. Done in one step it
 * never restarts (a stepwise copy starts over each time another connection writes, which a busy
 * connector does every few milliseconds), and in WAL mode that read does not block the
 * connector's writes. The copy is written beside the target 0600 (it holds token hashes and
 * device facts), switched to a rollback journal so it is one self-contained file, checked with
 * `PRAGMA integrity_check`, and only then given its name; an existing file is never overwritten.
 *
 *   const report = await backupSqlite("/var/lib/facet/facet.db", "/backup/facet-2026-12-02.db");
 */
import { closeSync, existsSync, linkSync, lstatSync, openSync, rmSync } from "node:fs";
import Database from "better-sqlite3";

export interface BackupReport {
  out: string;
  schemaVersion: number;
  devices: number;
  snapshots: number;
}

export class BackupError extends Error {
  override name = "BackupError";
}

/** Pages per backup step: all of them, so the copy is made in one read transaction. */
const ALL_PAGES = 0x7fffffff;

export async function backupSqlite(source: string, out: string): Promise<BackupReport> {
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
  if (exists(out)) throw new BackupError(`${out} already exists; choose a new file name (a backup never overwrites)`);
  const partial = `${out}.partial-${process.pid}`;
  try {
    closeSync(openSync(partial, "wx", 0o600));
  } catch (error) {
    throw new BackupError(`cannot create ${partial}: ${(error as Error).message}`);
  }
  try {
    const db = new Database(source, { fileMustExist: true });
    try {
      db.pragma("busy_timeout = 5000");
      await db.backup(partial, { progress: () => ALL_PAGES });
    } finally {
      db.close();
    }
    const report = verifyCopy(partial);
    try {
      linkSync(partial, out);
    } catch (error) {
      throw new BackupError(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code === "EEXIST" ? "it was created meanwhile" : (error as Error).message}`);
    }
    return { ...report, out };
  } finally {
    for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${partial}${suffix}`, { force: true });
  }
}

/** Makes the copy one file and checks it; throws unless SQLite finds it intact. */
function verifyCopy(path: string): Omit<BackupReport, "out"> {
  const copy = new Database(path, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
    const integrity = copy.pragma("integrity_check", { simple: true });
    if (integrity !== "ok") throw new BackupError(`the copy failed its integrity check: ${String(integrity)}`);
    const schemaVersion = copy.pragma("user_version", { simple: true }) as number;
    if (schemaVersion === 0) throw new BackupError("the database is not a Facet database (no schema version)");
    const count = (table: string) => (copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { schemaVersion, devices: count("devices"), snapshots: count("snapshots") };
  } finally {
    copy.close();
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
