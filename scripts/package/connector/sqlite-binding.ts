/**
 * Stands in for the `bindings` package inside the packaged connector: better-sqlite3 asks it for
 * `better_sqlite3.node`, and this answers with the addon carried in the executable as a SEA asset.
 *
 * A shared library can only be loaded from a file, so the main thread writes the asset into a
 * fresh private directory (mkdtemp, mode 0700, under TMPDIR) and loads it from there; a file in a
 * shared, predictable place could be swapped for another library by another local user. The
 * SQLite writer thread loads the same file: its path reaches new threads as environment data,
 * which only this process's main thread sets. The directory is removed when the process exits
 * (a SIGKILL leaves it behind; it holds nothing secret).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getRawAsset } from "node:sea";
import { getEnvironmentData, isMainThread, setEnvironmentData } from "node:worker_threads";

/** The SEA asset key (scripts/package/connector/build.ts) and the environment-data key. */
export const SQLITE_ADDON_ASSET = "better_sqlite3.node";
const ADDON_PATH_KEY = "facet:sqlite-addon-path";

let addon: unknown;

export default function bindings(name: string): unknown {
  if (name !== SQLITE_ADDON_ASSET) throw new Error(`the packaged connector carries no native addon "${name}"`);
  addon ??= load(isMainThread ? extract() : inheritedPath());
  return addon;
}

function extract(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "facet-connector-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, SQLITE_ADDON_ASSET);
  writeFileSync(file, new Uint8Array(getRawAsset(SQLITE_ADDON_ASSET) as ArrayBuffer), { mode: 0o700 });
  setEnvironmentData(ADDON_PATH_KEY, file);
  return file;
}

function inheritedPath(): string {
  const file = getEnvironmentData(ADDON_PATH_KEY);
  if (typeof file !== "string") throw new Error("the SQLite writer thread started before the main thread loaded the SQLite addon");
  return file;
}

function load(file: string): unknown {
  const module = { exports: {} };
  try {
    process.dlopen(module, file);
  } catch (error) {
    // The usual cause on a server: TMPDIR (default /tmp) mounted noexec.
    throw new Error(`cannot load SQLite from ${file}: ${(error as Error).message}; if ${path.dirname(path.dirname(file))} is mounted noexec, point TMPDIR at a directory that allows executables`, { cause: error });
  }
  return module.exports;
}
