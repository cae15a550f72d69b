/**
 * Stands in for the `bindings` package inside the packaged connector: better-sqlite3 asks it for
 * `better_sqlite3.node`, and this answers with the addon carried in the executable as a SEA asset.
 * The SQLite writer thread loads it too, after the main thread (embedded-addon.ts).
 */
import { loadEmbeddedAddon } from "./embedded-addon.ts";

/** The SEA asset key (scripts/package/connector/build.ts). */
export const SQLITE_ADDON_ASSET = "better_sqlite3.node";

export default function bindings(name: string): unknown {
  if (name !== SQLITE_ADDON_ASSET) throw new Error(`the packaged connector carries no native addon "${name}"`);
  return loadEmbeddedAddon(SQLITE_ADDON_ASSET, "SQLite");
}
