/**
 * Loads a native addon the packaged connector carries as a SEA asset.
 *
 * A shared library can only be loaded from a file, so the main thread writes each asset into one
 * fresh private directory (mkdtemp, mode 0700, under TMPDIR) and loads it from there; a file in a
 * shared, predictable place could be swapped for another library by another local user. Worker
 * threads load the same files: the directory reaches them as environment data, which only this
 * process's main thread sets. The directory is removed when the process exits (a SIGKILL leaves it
 * behind; it holds nothing secret).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getRawAsset } from "node:sea";
import { getEnvironmentData, isMainThread, setEnvironmentData } from "node:worker_threads";

/** The SEA asset keys of the addons the packaged connector carries (build.ts). */
export const ADDON_ASSETS = { sqlite: "better_sqlite3.node", bufferutil: "bufferutil.node" } as const;

const DIR_KEY = "facet:embedded-addons-dir";

const loaded = new Map<string, unknown>();

/** `what` names the addon in errors: "SQLite". */
export function loadEmbeddedAddon(asset: string, what: string): unknown {
  let addon = loaded.get(asset);
  if (addon === undefined) {
    addon = load(isMainThread ? extract(asset) : inheritedPath(asset, what), what);
    loaded.set(asset, addon);
  }
  return addon;
}

function addonsDir(): string {
  const known = getEnvironmentData(DIR_KEY);
  if (typeof known === "string") return known;
  const dir = mkdtempSync(path.join(os.tmpdir(), "facet-connector-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  setEnvironmentData(DIR_KEY, dir);
  return dir;
}

function extract(asset: string): string {
  const file = path.join(addonsDir(), asset);
  writeFileSync(file, new Uint8Array(getRawAsset(asset) as ArrayBuffer), { mode: 0o700, flag: "wx" });
  return file;
}

function inheritedPath(asset: string, what: string): string {
  const dir = getEnvironmentData(DIR_KEY);
  if (typeof dir !== "string") throw new Error(`a worker thread needed ${what} before the main thread loaded it`);
  return path.join(dir, asset);
}

function load(file: string, what: string): unknown {
  const module = { exports: {} };
  try {
    process.dlopen(module, file);
  } catch (error) {
    // The usual cause on a server: TMPDIR (default /tmp) mounted noexec.
    throw new Error(`cannot load ${what} from ${file}: ${(error as Error).message}; if ${path.dirname(path.dirname(file))} is mounted noexec, point TMPDIR at a directory that allows executables`, { cause: error });
  }
  return module.exports;
}
