/**
 * `GET /v1/whoami`: the calling token's id, name and scopes, for any valid token. `facet login`
 * checks a token with it before saving a context, whatever scopes the token has.
 */
import type { Hono } from "hono";
import { requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { apiTokenJson } from "./tokens.ts";

export function mountWhoami(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  app.get("/v1/whoami", requireScope(deps.apiTokens, null), (c) => c.json(apiTokenJson(c.get("apiToken"))));
}
