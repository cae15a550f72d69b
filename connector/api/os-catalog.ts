/**
 * The OS release catalog: what "latest" means for dynamic OS version requirements. Every answer
 * carries its freshness, overall (the least recently confirmed platform) and per platform.
 */
import { z } from "zod";
import { CATALOG_PLATFORMS, OsCatalogSchema, type OsCatalog } from "../policy/catalog/schema.ts";
import { IsoTime, route, scope } from "./contract.ts";

export { CATALOG_PLATFORMS, OsCatalogSchema, type OsCatalog };

/** connector/policy/catalog/freshness.ts CatalogFreshness. */
export const CatalogFreshnessSchema = z.object({
  version: z.string(),
  publishedAt: z.string(),
  /** The platform judged, or null for the whole catalog. */
  platform: z.enum(CATALOG_PLATFORMS).nullable(),
  /** When the releases were last confirmed against their source. */
  confirmedAt: IsoTime,
  ageDays: z.number().int(),
  maxAgeDays: z.number().int(),
  /** The first day (UTC) on which the catalog counts as stale. */
  staleFrom: z.string(),
  stale: z.boolean(),
  /** The confirmation is further in the future than a time zone explains: never trusted as fresh. */
  datedInFuture: z.boolean(),
});

const freshness = {
  freshness: CatalogFreshnessSchema,
  platforms: z.object(Object.fromEntries(CATALOG_PLATFORMS.map((p) => [p, CatalogFreshnessSchema])) as Record<(typeof CATALOG_PLATFORMS)[number], typeof CatalogFreshnessSchema>),
};

/** What the last attempt to read one source did (connector/os-catalog/update.ts SourceState). */
export const SourceStateSchema = z.object({
  id: z.enum(["sofa", "endoflife", "msrc"]),
  name: z.string(),
  url: z.string(),
  lastAttemptAt: IsoTime.nullable(),
  lastConfirmedAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  said: z.string().nullable(),
});

const tag = "os-catalog";

export const osCatalogRoutes = [
  route({
    method: "get", path: "/v1/os-catalog", id: "getOsCatalog", tag, auth: scope("policies:read"), summary: "The OS release catalog in force, with each source's state",
    responses: {
      200: {
        description: "the catalog, where it came from, and how fresh it is",
        schema: z.object({ source: z.enum(["bundled", "stored"]), ...freshness, sources: z.array(SourceStateSchema), catalog: OsCatalogSchema }),
      },
    },
  }),
  route({
    method: "post", path: "/v1/os-catalog/update", id: "updateOsCatalog", tag, auth: scope("policies:write"), summary: "Update the catalog from its public sources now",
    responses: {
      200: {
        description: "what the update did: `updated`, `confirmed` (nothing changed) or `failed` (a source did not answer)",
        schema: z.object({
          outcome: z.enum(["updated", "confirmed", "failed"]),
          version: z.string(),
          previous: z.string(),
          changes: z.array(z.string()),
          sources: z.array(SourceStateSchema),
          ...freshness,
        }),
      },
    },
  }),
  route({
    method: "put", path: "/v1/os-catalog", id: "importOsCatalog", tag, auth: scope("policies:write"), summary: "Import a catalog built elsewhere (air-gapped sites)",
    body: OsCatalogSchema,
    responses: {
      200: { description: "imported", schema: z.object({ imported: z.string(), previous: z.string(), ...freshness }) },
      400: { description: "an invalid catalog, with every issue, or one dated in the future" },
      409: { description: "older than the catalog in force" },
    },
  }),
] as const;
