/**
 * Who a device belongs to, as authorities said it (connector/signin/identify.ts explains why only
 * they count):
 *   GET    /v1/devices/{id}/users             bound users (who bound them, when) and the users the
 *                                             device claims (shown, never used for a verdict)
 *   POST   /v1/devices/{id}/users {username}  an admin binds a user
 *   DELETE /v1/devices/{id}/users/{username}  an admin removes a binding
 */
import type { Hono } from "hono";
import { BindUserSchema } from "../../api/devices.ts";
import type { DeviceBinding } from "../../store/types.ts";
import { requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { apiError } from "../middleware/errors.ts";
import { jsonBody } from "../middleware/validate.ts";

export function bindingJson(b: DeviceBinding) {
  return { username: b.username, source: b.source, bound_by: b.boundBy, bound_at: new Date(b.boundAt).toISOString() };
}

export function mountDeviceUsers(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store, lookup } = deps;

  app.get("/v1/devices/:id/users", requireScope(deps.apiTokens, "devices:read"), async (c) => {
    const device = await store.getDevice(c.req.param("id"));
    if (!device) return apiError(c, 404, "not_found", "no device with this id");
    const [bindings, snapshot] = await Promise.all([store.bindingsOf([device.id]), lookup.latestSnapshot(device, { remember: false })]);
    const reported = (snapshot?.facts.users ?? []).map((u) => u.username).filter((u): u is string => typeof u === "string");
    return c.json({
      device_id: device.id,
      bound: (bindings.get(device.id) ?? []).map(bindingJson),
      claimed: { console_user_at_enrollment: device.username, users_reported: reported },
    });
  });

  app.post("/v1/devices/:id/users", requireScope(deps.apiTokens, "devices:write"), jsonBody(BindUserSchema), async (c) => {
    const deviceId = c.req.param("id");
    const { username } = c.req.valid("json");
    const by = c.get("apiToken").id;
    const at = deps.now();
    const outcome = await store.bindUser(
      { deviceId, username, source: "admin", boundBy: by, boundAt: at },
      { type: "device.user_bound", at, deviceId, data: { username, source: "admin", by } },
    );
    if (outcome === "no_device") return apiError(c, 404, "not_found", "no device with this id");
    if (outcome === "revoked_device") return apiError(c, 409, "revoked_device", "the device is revoked; a revoked device cannot be assigned");
    deps.log.info({ deviceId, username, by, outcome }, "device bound to user");
    return c.json({ device_id: deviceId, username, bound: outcome === "bound" ? "now" : "already" }, outcome === "bound" ? 201 : 200);
  });

  app.delete("/v1/devices/:id/users/:username", requireScope(deps.apiTokens, "devices:write"), async (c) => {
    const deviceId = c.req.param("id");
    const username = c.req.param("username");
    if (!(await store.getDevice(deviceId))) return apiError(c, 404, "not_found", "no device with this id");
    const by = c.get("apiToken").id;
    const removed = await store.unbindUser(deviceId, username, { type: "device.user_unbound", at: deps.now(), deviceId, data: { username, by } });
    if (!removed) return apiError(c, 404, "not_found", `the device is not bound to ${username}`);
    deps.log.info({ deviceId, username, by }, "device unbound from user");
    return c.json({ device_id: deviceId, username, removed: true });
  });
}
