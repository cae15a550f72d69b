import { test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { ApiToken } from "../../store/types.ts";
import { hashSecret } from "../../tokens/secrets.ts";
import { ApiTokenCache } from "../../tokens/api-token-cache.ts";
import { requireScope, type AuthVariables } from "./auth.ts";

// A synthetic token store that counts its lookups.
function countingStore(secret: string) {
  const token: ApiToken = { id: "tok1", name: "reader", scopes: ["devices:read"], createdAt: 1, revokedAt: null };
  const store = {
    lookups: 0,
    async findApiTokenByHash(hash: string) {
      store.lookups++;
      return hash === hashSecret(secret) ? token : null;
    },
  };
  return store;
}

function appFor(tokens: ApiTokenCache) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get("/x", requireScope(tokens, "devices:read"), (c) => c.text(c.get("apiToken").id));
  return (secret: string) => app.request("/x", { headers: { authorization: `Bearer ${secret}` } });
}

test("a token found is remembered: the next request costs no lookup", async () => {
  const store = countingStore("s3cret-token-value");
  const tokens = new ApiTokenCache(store);
  const get = appFor(tokens);
  assert.equal((await get("s3cret-token-value")).status, 200);
  assert.equal((await get("s3cret-token-value")).status, 200);
  assert.equal(store.lookups, 1);
  assert.deepEqual(tokens.stats(), { hits: 1, misses: 1 });
});

test("unknown tokens are never remembered, so guessing cannot fill the cache", async () => {
  const store = countingStore("s3cret-token-value");
  const tokens = new ApiTokenCache(store);
  const get = appFor(tokens);
  assert.equal((await get("wrong-token-value")).status, 401);
  assert.equal((await get("wrong-token-value")).status, 401);
  assert.equal(store.lookups, 2);
});

test("a revocation here forgets every remembered token at once", async () => {
  const store = countingStore("s3cret-token-value");
  const tokens = new ApiTokenCache(store);
  const get = appFor(tokens);
  await get("s3cret-token-value");
  tokens.forget();
  await get("s3cret-token-value");
  assert.equal(store.lookups, 2);
});
