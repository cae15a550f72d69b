/**
 * One connector per SQLite file. Two would both start (SQLite serialises their writes), run two
 * pruners and rewrite each other's `connector.url`. The lock is an exclusive SQLite transaction
 * held for the life of the process on `<database>.lock`: it is a POSIX record lock, so the kernel
 * drops it when the process dies, kill -9 included — no stale lock to clean up. Who holds it is
 * written beside it, in `<database>.instance`, so the refusal can name the running connector.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import Database from "better-sqlite3";
import { StartupError } from "./startup-errors.ts";

export interface InstanceLock {
  /** Records the URL the holder serves, for the message a second instance prints. */
  announce(url: string): void;
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  url: string | null;
  since: string;
}

export function lockDatabase(databasePath: string): InstanceLock {
  const lockPath = `${databasePath}.lock`;
  const infoPath = `${databasePath}.instance`;
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma("journal_mode = DELETE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
    throw new StartupError("locked", `another connector already serves ${databasePath}${describe(infoPath)}; stop it first, or give this one its own --database`);
  }
  const holder: Holder = { pid: process.pid, host: hostname(), url: null, since: new Date().toISOString() };
  const write = () => writeFileSync(infoPath, `${JSON.stringify(holder)}\n`, { mode: 0o644 });
  write();
  let released = false;
  return {
    announce(url) {
      holder.url = url;
      write();
    },
    release() {
      if (released) return;
      released = true;
      rmSync(infoPath, { force: true });
      db.close();
    },
  };
}

function describe(infoPath: string): string {
  try {
    const h = JSON.parse(readFileSync(infoPath, "utf8")) as Holder;
    return ` (pid ${h.pid} on ${h.host}${h.url ? `, ${h.url}` : ""}, since ${h.since})`;
  } catch {
    return "";
  }
}
