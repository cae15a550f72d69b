/**
 * The API tokens this connector has found lately, by digest, so a busy auth server does not cost a
 * token query per request. One instance per connector, built by `createConnector` (`HttpDeps.apiTokens`).
 *
 * A token found is remembered for TOKEN_CACHE_MS. A revocation through this connector forgets the
 * cache at once (`forget`); one made through another replica is honoured here within
 * TOKEN_CACHE_MS. Unknown tokens are never cached, so guessing cannot fill the cache.
 */
import { LRUCache } from "lru-cache";
import type { ApiToken, TokenStore } from "../store/types.ts";

export const TOKEN_CACHE_MS = 2_000;
const TOKEN_CACHE_MAX = 1_024;

export class ApiTokenCache {
  private readonly found = new LRUCache<string, ApiToken>({ max: TOKEN_CACHE_MAX, ttl: TOKEN_CACHE_MS });
  /** Bumped by forget, so a lookup that raced a revocation is not cached. */
  private generation = 0;
  private hits = 0;
  private misses = 0;

  constructor(private readonly store: Pick<TokenStore, "findApiTokenByHash">) {}

  /** The token whose secret has this digest, or null when it is unknown or revoked. */
  async find(hash: string): Promise<ApiToken | null> {
    // The cache's clock: a token's lifetime counts from when the lookup started, as before the await.
    const now = performance.now();
    const hit = this.found.get(hash);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const generation = this.generation;
    const token = await this.store.findApiTokenByHash(hash);
    if (token && generation === this.generation) this.found.set(hash, token, { start: now });
    return token;
  }

  /** Drops every remembered token: called when a token is revoked here. */
  forget(): void {
    this.found.clear();
    this.generation++;
  }

  /** How often lookups were answered from the cache and not, since start (for /metrics). */
  stats(): { hits: number; misses: number } {
    return { hits: this.hits, misses: this.misses };
  }
}
