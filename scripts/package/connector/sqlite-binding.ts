/**
 * Stands in for the `bindings` package inside the packaged connector: better-sqlite3 asks it for
 * `better_sqlite3.node`, and this answers with the addon carried in the executable as a SEA asset.
 * The SQLite writer thread loads it too, after the main thread (embedded-addon.ts).
 */
import { ADDON_ASSETS, loadEmbeddedAddon } from "./embedded-addon.ts";

export default function bindings(name: string): unknown {
  if (name !== ADDON_ASSETS.sqlite) throw new Error(`the packaged connector carries no native addon "${name}"`);
  return loadEmbeddedAddon(ADDON_ASSETS.sqlite, "SQLite");
}
