/**
 * The OS release catalog: `GET /v1/os-catalog` shows the one in force with each source's state,
 * `POST /v1/os-catalog/update` updates it from the sources now (os-catalog/update.ts), and
 * `PUT /v1/os-catalog` imports one built elsewhere. An import is validated, and an older version
 * than the one in force is a 409: a stale file must not roll "latest" back and let unpatched
 * devices pass. All answer the catalog's `freshness` (overall and per platform): past
 * `osCatalogMaxAgeDays` since a platform was last confirmed, checks against "latest" are UNKNOWN
 * (catalog/freshness.ts).
 */
import type { Context, Hono } from "hono";
import { readSourceStates, updateOsCatalog } from "../../os-catalog/update.ts";
import { catalogFreshness, confirmedAt, PUBLISHED_AHEAD_TOLERANCE_MS } from "../../policy/catalog/freshness.ts";
import { CATALOG_PLATFORMS, type OsCatalog } from "../../policy/catalog/schema.ts";
import { CATALOG_SETTING_KEY, compareCatalogVersions, OsCatalogSchema } from "../../policy/catalog/index.ts";
import { requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { apiError } from "../middleware/errors.ts";
import { jsonBody } from "../middleware/validate.ts";

/** Overall (the least recently confirmed platform) and per platform. */
function freshnessOf(catalog: OsCatalog, now: number, maxAgeDays: number) {
  return {
    freshness: catalogFreshness(catalog, now, maxAgeDays),
    platforms: Object.fromEntries(CATALOG_PLATFORMS.map((p) => [p, catalogFreshness(catalog, now, maxAgeDays, p)])),
  };
}

export function mountOsCatalog(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store } = deps;
  const { catalogs } = deps.compliance;

  app.get("/v1/os-catalog", requireScope(deps.apiTokens, "policies:read"), async (c) => {
    catalogs.forget();
    const now = deps.now();
    const [catalog, sources] = await Promise.all([catalogs.current(now), readSourceStates(store, deps.limits.osCatalogSources)]);
    return c.json({ source: catalog === catalogs.baseline ? "bundled" : "stored", ...freshnessOf(catalog, now, deps.limits.osCatalogMaxAgeDays), sources, catalog });
  });

  // One at a time per process: a second caller waits for the running update's report.
  let running: ReturnType<typeof updateOsCatalog> | null = null;
  app.post("/v1/os-catalog/update", requireScope(deps.apiTokens, "policies:write"), async (c) => {
    running ??= updateOsCatalog({ store, catalogs, now: deps.now, sources: deps.limits.osCatalogSources, timeoutMs: deps.limits.osCatalogFetchTimeoutMs, log: deps.log }).finally(() => (running = null));
    const report = await running;
    catalogs.forget();
    const catalog = await catalogs.current(deps.now());
    return c.json({ ...report, ...freshnessOf(catalog, deps.now(), deps.limits.osCatalogMaxAgeDays) });
  });

  const validCatalog = jsonBody(OsCatalogSchema, {
    onInvalid: async (c: Context<{ Variables: AuthVariables }>, error) => {
      const issues = error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
      await store.recordEvent({ type: "os_catalog.rejected", at: deps.now(), deviceId: null, data: { by: c.get("apiToken").id, issues } });
      return c.json({ error: { code: "bad_request", message: `invalid OS catalog: ${issues[0]?.path}: ${issues[0]?.message}`, issues } }, 400);
    },
  });

  app.put("/v1/os-catalog", requireScope(deps.apiTokens, "policies:write"), validCatalog, async (c) => {
    const catalog = c.req.valid("json");
    // A future date would keep the catalog "fresh" for as long as it lies.
    if (Date.parse(`${catalog.publishedAt}T00:00:00Z`) - deps.now() > PUBLISHED_AHEAD_TOLERANCE_MS)
      return apiError(c, 400, "bad_request", `catalog publishedAt ${catalog.publishedAt} is in the future (connector time ${new Date(deps.now()).toISOString()})`);
    const future = CATALOG_PLATFORMS.find((p) => confirmedAt(catalog, p) - deps.now() > PUBLISHED_AHEAD_TOLERANCE_MS);
    if (future) return apiError(c, 400, "bad_request", `catalog sources.${future}.confirmedAt ${catalog.sources?.[future]?.confirmedAt} is in the future (connector time ${new Date(deps.now()).toISOString()})`);
    catalogs.forget();
    const inForce = await catalogs.current(deps.now());
    if (compareCatalogVersions(catalog.version, inForce.version) < 0)
      return c.json({ error: { code: "conflict", message: `catalog ${catalog.version} is older than the one in force (${inForce.version})` } }, 409);
    await store.putSetting(CATALOG_SETTING_KEY, catalog);
    catalogs.forget();
    await store.recordEvent({ type: "os_catalog.imported", at: deps.now(), deviceId: null, data: { by: c.get("apiToken").id, version: catalog.version, previous: inForce.version } });
    return c.json({ imported: catalog.version, previous: inForce.version, ...freshnessOf(catalog, deps.now(), deps.limits.osCatalogMaxAgeDays) });
  });
}
