/**
 * Stands in for the `bufferutil` package inside the packaged connector: ws unmasks agents' frames
 * with the addon carried in the executable as a SEA asset. Should it fail to load, ws's own
 * try/catch falls back to unmasking in JavaScript: slower, never wrong.
 */
import { ADDON_ASSETS, loadEmbeddedAddon } from "./embedded-addon.ts";

export default loadEmbeddedAddon(ADDON_ASSETS.bufferutil, "bufferutil");
