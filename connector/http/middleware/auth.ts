/**
 * Bearer API tokens with scopes, after hono's bearer-auth middleware: no or malformed
 * credentials → 401 with `WWW-Authenticate: Bearer`, a token without the needed scope → 403.
 *
 * The presented token is hashed (SHA-256) and the digest looked up; the store then compares the
 * digests in constant time. Timing of the lookup can only reveal bits of a digest of a 256-bit
 * random secret, which gives an attacker nothing to work with.
 *
 * A token found is remembered by its digest for TOKEN_CACHE_MS, so a busy auth server does not
 * cost a token query per request. A revocation through this connector forgets the cache at once
 * (`forgetApiTokens`); one made through another replica is honoured here within TOKEN_CACHE_MS.
 * Unknown tokens are never cached, so guessing cannot fill the cache.
 *
 *   app.get("/v1/devices", requireScope(deps, "devices:read"), handler)
 */
import type { Context, MiddlewareHandler } from "hono";
import { LRUCache } from "lru-cache";
import type { ApiToken, Scope, TokenStore } from "../../store/types.ts";
import { hashSecret } from "../../tokens/secrets.ts";
import { apiError } from "./errors.ts";

export type AuthVariables = { apiToken: ApiToken };

const REALM = 'Bearer realm="facet"';
// RFC 6750 b64token, bounded so a huge header cannot cost a hash of megabytes.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{8,256}=*) *$/i;

export const TOKEN_CACHE_MS = 2_000;
const TOKEN_CACHE_MAX = 1_024;

type TokenLookup = Pick<TokenStore, "findApiTokenByHash">;
interface TokenCache {
  found: LRUCache<string, ApiToken>;
  /** Bumped by forgetApiTokens, so a lookup that raced a revocation is not cached. */
  generation: number;
  /** Lookups answered from the cache and not, since start (for /metrics). */
  hits: number;
  misses: number;
}
const tokenCaches = new WeakMap<TokenLookup, TokenCache>();

async function findToken(store: TokenLookup, hash: string): Promise<ApiToken | null> {
  let cache = tokenCaches.get(store);
  if (!cache) tokenCaches.set(store, (cache = { found: new LRUCache({ max: TOKEN_CACHE_MAX, ttl: TOKEN_CACHE_MS }), generation: 0, hits: 0, misses: 0 }));
  // The cache's clock: a token's lifetime counts from when the lookup started, as before the await.
  const now = performance.now();
  const hit = cache.found.get(hash);
  if (hit) {
    cache.hits++;
    return hit;
  }
  cache.misses++;
  const generation = cache.generation;
  const token = await store.findApiTokenByHash(hash);
  if (token && generation === cache.generation) cache.found.set(hash, token, { start: now });
  return token;
}

/** How often this store's token lookups were answered from the cache. */
export function apiTokenCacheStats(store: TokenLookup): { hits: number; misses: number } {
  const cache = tokenCaches.get(store);
  return { hits: cache?.hits ?? 0, misses: cache?.misses ?? 0 };
}

/** Drops every remembered token of this store: called when a token is revoked here. */
export function forgetApiTokens(store: TokenLookup): void {
  const cache = tokenCaches.get(store);
  if (!cache) return;
  cache.found.clear();
  cache.generation++;
}

export function hasScope(token: ApiToken, scope: Scope): boolean {
  return token.scopes.includes("admin") || token.scopes.includes(scope);
}

/** How an auth failure is written; Facet's `{ error }` shape by default (the Fleet-compatible API has its own). */
export type AuthErrorRenderer = (c: Context, status: 400 | 401 | 403, code: "bad_request" | "unauthorized" | "forbidden", message: string, headers: Record<string, string>) => Response | Promise<Response>;

/** `scope` null: any valid token (GET /v1/whoami). */
export function requireScope(store: TokenLookup, scope: Scope | null, render: AuthErrorRenderer = apiError): MiddlewareHandler<{ Variables: AuthVariables }> {
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
    const token = await findToken(store, hashSecret(match[1]!));
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
