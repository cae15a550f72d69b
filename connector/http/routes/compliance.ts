/**
 * Compliance routes: `POST /v1/devices/{id}/evaluate` evaluates a device now against policies
 * (all of them when none are named) and stores the result; `GET /v1/devices/{id}/compliance`
 * returns what the last evaluations stored.
 */
import type { Hono } from "hono";
import { EvaluateBodySchema } from "../../api/devices.ts";
import { combineEvaluations } from "../../policy/combine.ts";
import { requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { apiError } from "../middleware/errors.ts";
import { jsonBody } from "../middleware/validate.ts";

export function mountCompliance(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store } = deps;

  // devices:read, not endpoint:check: the answer carries every policy's checks for any device named.
  app.post("/v1/devices/:id/evaluate", requireScope(deps.apiTokens, "devices:read"), jsonBody(EvaluateBodySchema, { optional: true }), async (c) => {
    const body = c.req.valid("json");
    const device = await store.getDevice(c.req.param("id"));
    if (!device) return apiError(c, 404, "not_found", "no device with this id");
    const loaded = await deps.compliance.loadPolicies(body.policies);
    if (!loaded.ok) return apiError(c, 400, "bad_request", `unknown device assurance policy id(s): ${loaded.missing.join(", ")}`);
    if (loaded.policies.length === 0) return apiError(c, 400, "bad_request", "no device assurance policies to evaluate");
    const snapshot = await store.latestSnapshot(device.id);
    const evaluations = await deps.compliance.evaluateDevice(device, snapshot, loaded.policies);
    return c.json({ deviceId: device.id, evaluatedAt: new Date(deps.now()).toISOString(), ...combineEvaluations(evaluations) });
  });

  app.get("/v1/devices/:id/compliance", requireScope(deps.apiTokens, "devices:read"), async (c) => {
    const device = await store.getDevice(c.req.param("id"));
    if (!device) return apiError(c, 404, "not_found", "no device with this id");
    const records = await store.getCompliance(device.id);
    return c.json({
      deviceId: device.id,
      policies: records.map((r) => ({ ...r.detail, policyVersion: r.policyVersion, evaluatedAt: new Date(r.evaluatedAt).toISOString() })),
    });
  });
}
