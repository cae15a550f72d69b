/**
 * The catalog file format as JSON Schema, generated from OsCatalogSchema (zod's toJSONSchema) so
 * the documented format cannot drift from what `import` accepts. docs/policies.md embeds it;
 * json-schema.test.ts fails when they differ. Print it with `npx tsx connector/policy/catalog/json-schema.ts`.
 * Cross-field rules (unique majors and builds, updates in date order) are not expressible here
 * and are listed in the docs beside it.
 */
import { z } from "zod";
import { OsCatalogSchema } from "./schema.ts";

export function osCatalogJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(OsCatalogSchema, { io: "input" }) as Record<string, unknown>;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify(osCatalogJsonSchema(), null, 2)}\n`);
