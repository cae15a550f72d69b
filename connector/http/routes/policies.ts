/**
 * Device assurance policies, Okta's API shape: `POST/GET /v1/device-assurances`,
 * `GET/PUT/DELETE /v1/device-assurances/{id}`. PUT replaces the whole policy. Each change is an
 * event (`device.assurance.policy.add|update|delete`) recorded in the same write, the update
 * saying which fields changed from what to what.
 */
import { randomBytes } from "node:crypto";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { parsePolicyBody, type PolicyInfo } from "../../api/policies.ts";
import type { StoredPolicy } from "../../store/types.ts";
import { requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { apiError } from "../middleware/errors.ts";
import { validJson } from "../middleware/validate.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Okta-like ids: `dae` + 17 base62 characters (about 101 random bits). */
export function newPolicyId(): string {
  const bytes = randomBytes(17);
  return `dae${[...bytes].map((b) => BASE62[b % 62]).join("")}`;
}

const POLICY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The policy as the API returns it: Okta's fields plus `version`. */
export function policyJson(p: StoredPolicy): PolicyInfo {
  return {
    id: p.id,
    ...(p.body as Omit<PolicyInfo, "id" | "version" | "createdDate" | "lastUpdate" | "_links">),
    version: p.version,
    createdDate: new Date(p.createdAt).toISOString(),
    lastUpdate: new Date(p.updatedAt).toISOString(),
    _links: { self: { href: `/v1/device-assurances/${p.id}`, hints: { allow: ["GET", "PUT", "DELETE"] } } },
  };
}

/** Top-level fields whose values differ, with before and after values: the update event's "what changed". */
export function policyChanges(before: Record<string, unknown>, after: Record<string, unknown>) {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const changed = fields.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
  return {
    changed,
    before: Object.fromEntries(changed.map((f) => [f, before[f] ?? null])),
    after: Object.fromEntries(changed.map((f) => [f, after[f] ?? null])),
  };
}

export function mountPolicies(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store } = deps;
  const read = requireScope(deps.apiTokens, "policies:read");
  const write = requireScope(deps.apiTokens, "policies:write");

  // Beyond its schema, a policy is checked by parsePolicyBody: Okta's rules, CEL compiled; a rejection is an event.
  const validBody = validJson(async (c: Context<{ Variables: AuthVariables }>, value) => {
    const parsed = parsePolicyBody(value);
    if (parsed.ok) return { ok: true, value: parsed.body };
    await store.recordEvent({ type: "device.assurance.policy.rejected", at: deps.now(), deviceId: null, data: { by: c.get("apiToken").id, code: parsed.code, issues: parsed.issues.slice(0, 20) } });
    return { ok: false, response: c.json({ error: { code: parsed.code, message: parsed.message, issues: parsed.issues } }, 400) };
  });
  /** A malformed id is absent: a 404 before the body is read, as for any id not found. */
  const knownIdShape: MiddlewareHandler = async (c, next) => {
    const id = c.req.param("id")!;
    if (!POLICY_ID.test(id)) return apiError(c, 404, "not_found", `no device assurance policy ${id}`);
    await next();
  };

  app.get("/v1/device-assurances", read, async (c) => c.json((await store.listPolicies()).map(policyJson)));

  app.post("/v1/device-assurances", write, validBody, async (c) => {
    const body = c.req.valid("json");
    const at = deps.now();
    const policy: StoredPolicy = { id: newPolicyId(), version: 1, name: body.name, platform: body.platform, body: body as Record<string, unknown>, createdAt: at, updatedAt: at };
    await store.createPolicy(policy, {
      type: "device.assurance.policy.add",
      at,
      deviceId: null,
      data: { id: policy.id, name: policy.name, platform: policy.platform, version: 1, by: c.get("apiToken").id },
    });
    return c.json(policyJson(policy));
  });

  app.get("/v1/device-assurances/:id", read, async (c) => {
    const id = c.req.param("id");
    const policy = POLICY_ID.test(id) ? await store.getPolicy(id) : null;
    return policy ? c.json(policyJson(policy)) : apiError(c, 404, "not_found", `no device assurance policy ${id}`);
  });

  app.put("/v1/device-assurances/:id", write, knownIdShape, validBody, async (c) => {
    const id = c.req.param("id");
    const body = c.req.valid("json");
    const by = c.get("apiToken").id;
    const after = await store.replacePolicy({ id, name: body.name, platform: body.platform, body: body as Record<string, unknown>, at: deps.now() }, (before, next) => ({
      type: "device.assurance.policy.update",
      at: next.updatedAt,
      deviceId: null,
      data: { id, name: next.name, version: next.version, by, ...policyChanges(before.body, next.body) },
    }));
    return after ? c.json(policyJson(after)) : apiError(c, 404, "not_found", `no device assurance policy ${id}`);
  });

  app.delete("/v1/device-assurances/:id", write, async (c) => {
    const id = c.req.param("id");
    const by = c.get("apiToken").id;
    const at = deps.now();
    const deleted = POLICY_ID.test(id)
      ? await store.deletePolicy(id, (before) => ({ type: "device.assurance.policy.delete", at, deviceId: null, data: { id, name: before.name, platform: before.platform, version: before.version, by } }))
      : null;
    return deleted ? c.body(null, 204) : apiError(c, 404, "not_found", `no device assurance policy ${id}`);
  });
}
