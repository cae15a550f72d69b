/** Device routes: list, show, refresh-and-wait, revoke. */
import type { Hono } from "hono";
import { DeviceListQuerySchema, RefreshQuerySchema, ViewQuerySchema } from "../../api/devices.ts";
import { CLOSE_CODES } from "../../../shared/protocol/errors.ts";
import { RefreshError } from "../../agent-channel/hub.ts";
import { requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { buildDeviceSummary, buildDeviceView, serializeDeviceView } from "../../lookup/device-view.ts";
import { apiError } from "../middleware/errors.ts";
import { query } from "../middleware/validate.ts";
import { sendJsonPieces } from "../send-pieces.ts";

export function mountDevices(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store, hub } = deps;

  app.get("/v1/devices", requireScope(deps.apiTokens, "devices:read"), query(DeviceListQuerySchema), async (c) => {
    const q = c.req.valid("query");
    const { limit } = q;
    // One extra row tells whether another page exists without a count query.
    const rows = await store.listDevices({
      serial: q.serial,
      hostname: q.hostname,
      username: q.user,
      claimedUsername: q.claimed_user,
      platform: q.platform,
      includeRevoked: q.include_revoked === "true",
      after: q.cursor,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? page[page.length - 1]!.id : null;
    if (q.view === "summary") {
      const online = await hub.presence(page.map((d) => d.id));
      return c.json({ devices: page.map((d) => buildDeviceSummary(d, online.has(d.id))), next_cursor: nextCursor });
    }
    // Spliced from each device's serialized facts (lookup/), as GET /v1/devices/{id} is.
    const [online, facts] = await Promise.all([hub.presence(page.map((d) => d.id)), deps.lookup.latestFactsJsonMany(page, q.view)]);
    const devices = page.map((d) => serializeDeviceView(d, online.has(d.id), facts.get(d.id) ?? null)).join(",");
    return c.body(`{"devices":[${devices}],"next_cursor":${JSON.stringify(nextCursor)}}`, 200, { "content-type": "application/json" });
  });

  app.get("/v1/devices/:id", requireScope(deps.apiTokens, "devices:read"), query(ViewQuerySchema), async (c) => {
    const q = c.req.valid("query");
    const device = await store.getDevice(c.req.param("id"));
    if (!device) return apiError(c, 404, "not_found", "no device with this id");
    const [online, factsJson] = await Promise.all([hub.presence([device.id]), deps.lookup.latestFactsJson(device, q.view)]);
    return sendJsonPieces(c, serializeDeviceView(device, online.has(device.id), factsJson));
  });

  app.post("/v1/devices/:id/refresh", requireScope(deps.apiTokens, "devices:refresh"), query(RefreshQuerySchema), async (c) => {
    const q = c.req.valid("query");
    const device = await store.getDevice(c.req.param("id"));
    if (!device || device.revokedAt !== null) return apiError(c, 404, "not_found", "no live device with this id");
    const waitMs = q.wait * 1000;
    if (waitMs === 0) {
      if (!(await hub.presence([device.id])).has(device.id)) {
        return apiError(c, 409, "not_connected", "the device's agent is not connected");
      }
      // Fire and forget: the answer lands in the cache; the caller polls GET /v1/devices/{id}.
      hub.refresh(device.id, 60_000).catch(() => undefined);
      return c.json({ requested: true }, 202);
    }
    const pending = hub.refresh(device.id, waitMs);
    try {
      const snapshot = await pending;
      const fresh = (await store.getDevice(device.id)) ?? device;
      return c.json(buildDeviceView(fresh, snapshot, true, deps.limits.factsTtlMs, q.view));
    } catch (error) {
      if (!(error instanceof RefreshError)) throw error;
      switch (error.reason) {
        case "not_connected":
          return apiError(c, 409, "not_connected", "the device's agent is not connected");
        case "timeout":
          return apiError(c, 504, "refresh_timeout", `${error.message}; the cached facts are unchanged`);
        case "disconnected":
          return apiError(c, 504, "agent_disconnected", `${error.message}; the cached facts are unchanged`);
        case "rejected":
          if (error.code === "store_unavailable") {
            return apiError(c, 503, "store_unavailable", "the agent answered, but the connector's database cannot store its snapshot now; retry shortly", { "Retry-After": "5" });
          }
          return apiError(c, 502, "snapshot_rejected", `the agent's answer was rejected (${error.code ?? "unknown"}): ${error.message}`);
      }
    }
  });

  app.post("/v1/devices/:id/revoke", requireScope(deps.apiTokens, "devices:write"), async (c) => {
    const device = await store.getDevice(c.req.param("id"));
    if (!device) return apiError(c, 404, "not_found", "no device with this id");
    const at = deps.now();
    const changed = await store.revokeDevice(device.id, at);
    const disconnected = await hub.disconnect(device.id, "device revoked", CLOSE_CODES.revoked);
    if (changed) {
      await store.recordEvent({ type: "device.revoked", at, deviceId: device.id, data: { by: c.get("apiToken").id, disconnected } });
      deps.log.info({ deviceId: device.id, tokenId: c.get("apiToken").id }, "device revoked");
    }
    const revokedAt = changed ? at : device.revokedAt!;
    return c.json({ id: device.id, revoked_at: new Date(revokedAt).toISOString(), disconnected });
  });
}
