/**
 * The OS release catalog in force for one connector: the newer of its baseline (the bundled
 * catalog, or the one `createConnector({ baselineCatalog })` names — tests pin a frozen one so
 * their "latest" never moves) and the imported one in the store's settings.
 *
 * Cached briefly: every endpoint check needs it, it changes only on import (which calls
 * `forget`), and another replica's import shows up here within the TTL.
 *
 *   const catalogs = new CatalogInForce(store);
 *   const catalog = await catalogs.current(now);
 */
import { CATALOG_SETTING_KEY, loadBundledCatalog, newestCatalog, OsCatalogSchema, type OsCatalog } from "../policy/catalog/index.ts";
import type { Store } from "../store/types.ts";

const CATALOG_TTL_MS = 10_000;

export class CatalogInForce {
  /** The catalog this connector starts from; `current` is never older. */
  readonly baseline: OsCatalog;
  private cached: { at: number; catalog: OsCatalog } | null = null;

  constructor(
    private readonly store: Pick<Store, "getSetting">,
    baseline?: OsCatalog,
  ) {
    this.baseline = baseline ? OsCatalogSchema.parse(baseline) : loadBundledCatalog();
  }

  /** The newer of the baseline and `imported` (a catalog read from the settings). */
  newest(imported: OsCatalog | null): OsCatalog {
    return newestCatalog(imported, this.baseline);
  }

  async current(now: number): Promise<OsCatalog> {
    const held = this.heldAt(now);
    if (held) return held;
    // Validated when imported; the store is trusted inside the connector.
    const catalog = this.newest(await this.store.getSetting<OsCatalog>(CATALOG_SETTING_KEY));
    this.cached = { at: now, catalog };
    return catalog;
  }

  /** What `current(now)` answers without reading the store, or null when it would read it. */
  heldAt(now: number): OsCatalog | null {
    const cached = this.cached;
    return cached && now - cached.at < CATALOG_TTL_MS && now >= cached.at ? cached.catalog : null;
  }

  /** After an import or update here: the next `current` reads the store. */
  forget(): void {
    this.cached = null;
  }
}
