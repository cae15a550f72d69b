/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document of the REST API, generated from the contract
 * (connector/api/). Without authentication, like any public API's reference: it describes what
 * every caller may send, and holds nothing of this connector's data.
 */
import type { Hono } from "hono";
import { buildOpenApiDocument } from "../../api/openapi.ts";
import { OPENAPI_PATH } from "../../api/service.ts";

export function mountOpenApi(app: Hono): void {
  let body: string | undefined;
  app.get(OPENAPI_PATH, (c) => {
    body ??= JSON.stringify(buildOpenApiDocument());
    return c.body(body, 200, { "content-type": "application/json", "cache-control": "public, max-age=300" });
  });
}
