/**
 * Checks before `serve` opens anything, so a mistake in the configuration is refused in words
 * instead of creating a fresh database (and a new admin token) somewhere unexpected or adding
 * Facet's tables to another application's file.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { StartupError } from "./startup-errors.ts";

const SQLITE_MAGIC = "SQLite format 3\u0000";

/** `explicit`: the path came from --database or FACET_DATABASE (a default location may be created). */
export function checkSqliteLocation(path: string, explicit: boolean): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    if (explicit) throw new StartupError("database", `the database directory ${dir} does not exist; create it (mode 0700) or fix --database`);
    return;
  }
  if (!statSync(dir).isDirectory()) throw new StartupError("database", `${dir} is not a directory`);
  if (!existsSync(path)) {
    writable(dir, `the database directory ${dir}`);
    return;
  }
  if (!statSync(path).isFile()) throw new StartupError("database", `${path} is not a regular file`);
  writable(path, path);
  // SQLite writes its -wal and -shm files beside the database.
  writable(dir, `the database directory ${dir}`);
  if (statSync(path).size > 0) {
    const head = Buffer.alloc(16);
    const fd = openSync(path, "r");
    try {
      readSync(fd, head, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
    if (head.toString("latin1") !== SQLITE_MAGIC) throw new StartupError("database", `${path} is not a SQLite database; point --database at a Facet database or a new file`);
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const version = db.pragma("user_version", { simple: true }) as number;
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      if (version === 0 && tables.length > 0) {
        throw new StartupError("database", `${path} is not a Facet database (it holds ${tables.slice(0, 5).join(", ")}${tables.length > 5 ? ", …" : ""}); Facet will not add its tables to it`);
      }
    } finally {
      db.close();
    }
  }
}

function writable(path: string, what: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EROFS") throw new StartupError("database", `${what} is on a read-only filesystem`);
    if (code === "EACCES" || code === "EPERM") throw new StartupError("database", `${what} is not writable by this user (uid ${process.getuid?.() ?? "?"})`);
    throw new StartupError("database", `cannot write ${what}: ${(error as Error).message}`);
  }
}
