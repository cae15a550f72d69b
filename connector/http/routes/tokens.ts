/**
 * Token administration: enrollment tokens (for agents) and API tokens (for auth servers and
 * admins). The secret is returned once, at creation; only its hash is stored.
 */
import type { Hono } from "hono";
import { CreateApiTokenSchema, CreateEnrollTokenSchema, type ApiTokenInfo, type EnrollTokenInfo } from "../../api/tokens.ts";
import type { ApiToken, EnrollToken, Scope } from "../../store/types.ts";
import { issueApiToken, issueEnrollToken } from "../../tokens/issue.ts";
import { hasScope, requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { apiError } from "../middleware/errors.ts";
import { jsonBody } from "../middleware/validate.ts";


/**
 * An enrollment token nobody bounded is bounded anyway: omitted `max_uses` and `expires_in` take
 * these defaults; `null` asks explicitly for no limit.
 */
export const ENROLL_TOKEN_DEFAULTS = { maxUses: 100, expiresInSeconds: 7 * 24 * 3600 } as const;

function expiresAt(expiresIn: number | null | undefined, now: number): number | null {
  if (expiresIn === null) return null;
  return now + (expiresIn ?? ENROLL_TOKEN_DEFAULTS.expiresInSeconds) * 1000;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function enrollTokenJson(t: EnrollToken, now: number): EnrollTokenInfo {
  const state =
    t.revokedAt !== null ? "revoked"
    : t.expiresAt !== null && t.expiresAt <= now ? "expired"
    : t.maxUses !== null && t.uses >= t.maxUses ? "used_up"
    : "active";
  return {
    id: t.id, label: t.label, user: t.username ?? null, created_at: new Date(t.createdAt).toISOString(), expires_at: iso(t.expiresAt),
    max_uses: t.maxUses, uses: t.uses, revoked_at: iso(t.revokedAt), state,
  };
}

export function apiTokenJson(t: ApiToken): ApiTokenInfo {
  return { id: t.id, name: t.name, scopes: t.scopes, created_at: new Date(t.createdAt).toISOString(), revoked_at: iso(t.revokedAt) };
}

/** Whether `caller` may grant `scope`: one it holds itself ("admin" only to an admin). */
function grantable(caller: ApiToken, scope: Scope): boolean {
  return caller.scopes.includes("admin") || (scope !== "admin" && caller.scopes.includes(scope));
}

/**
 * Whether `caller` may see and revoke `token`: only tokens within its own scopes, so a
 * `tokens:write` token can neither find nor revoke an admin token (nor one with any scope it lacks).
 */
function manageable(caller: ApiToken, token: ApiToken): boolean {
  return token.scopes.every((scope) => grantable(caller, scope));
}

export function mountTokens(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store } = deps;
  const auth = requireScope(deps.apiTokens, "tokens:write");

  app.post("/v1/tokens/enroll", auth, jsonBody(CreateEnrollTokenSchema), async (c) => {
    const spec = c.req.valid("json");
    // Binding devices to users is a device write: a token that may only mint enrollment tokens
    // must not decide whose devices they enroll.
    if (spec.user !== undefined && !hasScope(c.get("apiToken"), "devices:write"))
      return apiError(c, 403, "forbidden", 'an enrollment token bound to a user needs the scope "devices:write" as well');
    const now = deps.now();
    const { token, secret } = await issueEnrollToken(
      store,
      {
        username: spec.user ?? null,
        label: spec.label ?? null,
        maxUses: spec.max_uses === undefined ? ENROLL_TOKEN_DEFAULTS.maxUses : spec.max_uses,
        expiresAt: expiresAt(spec.expires_in, now),
      },
      now,
    );
    await store.recordEvent({ type: "token.created", at: now, deviceId: null, data: { kind: "enroll", id: token.id, user: token.username, by: c.get("apiToken").id } });
    deps.log.info({ tokenId: token.id, by: c.get("apiToken").id }, "enrollment token created");
    return c.json({ ...enrollTokenJson(token, now), token: secret }, 201);
  });

  app.get("/v1/tokens/enroll", auth, async (c) => {
    const now = deps.now();
    return c.json({ tokens: (await store.listEnrollTokens()).map((t) => enrollTokenJson(t, now)) });
  });

  app.post("/v1/tokens/enroll/:id/revoke", auth, async (c) => {
    const at = deps.now();
    const id = c.req.param("id");
    if (!(await store.listEnrollTokens()).some((t) => t.id === id)) return apiError(c, 404, "not_found", "no enrollment token with this id");
    if (await store.revokeEnrollToken(id, at)) {
      await store.recordEvent({ type: "token.revoked", at, deviceId: null, data: { kind: "enroll", id, by: c.get("apiToken").id } });
    }
    return c.json({ id, revoked: true });
  });

  app.post("/v1/tokens/api", auth, jsonBody(CreateApiTokenSchema), async (c) => {
    const spec = c.req.valid("json");
    const caller = c.get("apiToken");
    // No escalation: a token can only mint tokens with scopes it holds itself.
    const missing = spec.scopes.filter((s) => !grantable(caller, s));
    if (missing.length > 0) return apiError(c, 403, "forbidden", `cannot grant scopes the caller lacks: ${missing.join(", ")}`);
    const now = deps.now();
    const { token, secret } = await issueApiToken(store, spec, now);
    await store.recordEvent({ type: "token.created", at: now, deviceId: null, data: { kind: "api", id: token.id, scopes: token.scopes, by: caller.id } });
    deps.log.info({ tokenId: token.id, by: caller.id }, "API token created");
    return c.json({ ...apiTokenJson(token), token: secret }, 201);
  });

  app.get("/v1/tokens/api", auth, async (c) => {
    const caller = c.get("apiToken");
    return c.json({ tokens: (await store.listApiTokens()).filter((t) => manageable(caller, t)).map(apiTokenJson) });
  });

  app.post("/v1/tokens/api/:id/revoke", auth, async (c) => {
    const at = deps.now();
    const id = c.req.param("id");
    // A token beyond the caller's scopes answers as absent: its existence is not the caller's business.
    if (!(await store.listApiTokens()).some((t) => t.id === id && manageable(c.get("apiToken"), t))) return apiError(c, 404, "not_found", "no API token with this id");
    if (await store.revokeApiToken(id, at)) {
      deps.apiTokens.forget();
      await store.recordEvent({ type: "token.revoked", at, deviceId: null, data: { kind: "api", id, by: c.get("apiToken").id } });
    }
    return c.json({ id, revoked: true });
  });
}
