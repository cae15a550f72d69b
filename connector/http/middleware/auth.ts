/**
 * Bearer API tokens with scopes, after hono's bearer-auth middleware: no or malformed
 * credentials → 401 with `WWW-Authenticate: Bearer`, a token without the needed scope → 403.
 *
 * The presented token is hashed (SHA-256) and the digest looked up; the store then compares the
 * digests in constant time. Timing of the lookup can only reveal bits of a digest of a 256-bit
 * random secret, which gives an attacker nothing to work with.
 *
 * Lookups go through the connector's ApiTokenCache (connector/tokens/api-token-cache.ts).
 *
 *   app.get("/v1/devices", requireScope(deps.apiTokens, "devices:read"), handler)
 */
import type { Context, MiddlewareHandler } from "hono";
import type { ApiToken, Scope } from "../../store/types.ts";
import type { ApiTokenCache } from "../../tokens/api-token-cache.ts";
import { hashSecret } from "../../tokens/secrets.ts";
import { apiError } from "./errors.ts";

export type AuthVariables = { apiToken: ApiToken };

const REALM = 'Bearer realm="facet"';
// RFC 6750 b64token, bounded so a huge header cannot cost a hash of megabytes.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{8,256}=*) *$/i;

export function hasScope(token: ApiToken, scope: Scope): boolean {
  return token.scopes.includes("admin") || token.scopes.includes(scope);
}

/** How an auth failure is written; Facet's `{ error }` shape by default (the Fleet-compatible API has its own). */
export type AuthErrorRenderer = (c: Context, status: 400 | 401 | 403, code: "bad_request" | "unauthorized" | "forbidden", message: string, headers: Record<string, string>) => Response | Promise<Response>;

/** `scope` null: any valid token (GET /v1/whoami). */
export function requireScope(tokens: Pick<ApiTokenCache, "find">, scope: Scope | null, render: AuthErrorRenderer = apiError): MiddlewareHandler<{ Variables: AuthVariables }> {
  const apiError = render;
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) {
      return apiError(c, 401, "unauthorized", "an API token is required (Authorization: Bearer <token>)", { "WWW-Authenticate": REALM });
    }
    const match = BEARER.exec(header);
    if (!match) {
      return apiError(c, 400, "bad_request", "the Authorization header is not a Bearer token", {
        "WWW-Authenticate": `${REALM}, error="invalid_request"`,
      });
    }
    const token = await tokens.find(hashSecret(match[1]!));
    if (!token) {
      return apiError(c, 401, "unauthorized", "the API token is unknown or revoked", {
        "WWW-Authenticate": `${REALM}, error="invalid_token"`,
      });
    }
    if (scope !== null && !hasScope(token, scope)) {
      return apiError(c, 403, "forbidden", `the API token lacks the scope "${scope}"`, {
        "WWW-Authenticate": `${REALM}, error="insufficient_scope", scope="${scope}"`,
      });
    }
    c.set("apiToken", token);
    await next();
  };
}
