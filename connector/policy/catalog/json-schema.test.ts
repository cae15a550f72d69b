import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { osCatalogJsonSchema } from "./json-schema.ts";

const MARKER = "<!-- facet:os-catalog-json-schema";

describe("the catalog file format documented in docs/policies.md", () => {
  test("is exactly the JSON Schema generated from the validator", () => {
    const doc = readFileSync(new URL("../../../docs/policies.md", import.meta.url), "utf8");
    const block = /```json\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf(MARKER)));
    assert.ok(doc.includes(MARKER) && block, "docs/policies.md lost its marked JSON Schema block");
    assert.deepEqual(JSON.parse(block[1]!), osCatalogJsonSchema(), "regenerate it: npx tsx connector/policy/catalog/json-schema.ts");
  });
});
