import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { z } from "zod";
import { AuthentikFactsSchema } from "../../shared/facts/authentik.ts";
import { AUTHENTIK_VIEW_VERSION } from "./rendered-view.ts";

test("the authentik schema is the one AUTHENTIK_VIEW_VERSION was set for", () => {
  // Views stored at ingest were rendered under these rules. If this fails because the schema
  // changed, bump AUTHENTIK_VIEW_VERSION (so stored views are rendered again) and the digest here.
  const digest = createHash("sha256").update(JSON.stringify(z.toJSONSchema(AuthentikFactsSchema, { unrepresentable: "any" }))).digest("hex");
  assert.deepEqual({ version: AUTHENTIK_VIEW_VERSION, digest }, { version: 1, digest: "7f433540ce9c4f6f0e1ffd2062951bfaab91e4a9f452da1ef3b3b5be43479825" });
});
