/**
 * The read side of Fleet's REST API that authentik's Fleet connector polls (every 15 minutes) and
 * other Fleet-API readers use, so an authentik admin adds Facet as a "Fleet" connector:
 *
 *   GET /api/v1/fleet/hosts?page=N&per_page=M&populate_software=…&populate_users=…&populate_policies=…&device_mapping=…
 *   GET /api/v1/fleet/hosts/identifier/{uuid | serial | hostname}
 *   GET /api/v1/fleet/conditional_access/idp/apple/profile     the device CA as a mobileconfig
 *   GET /api/v1/fleet/conditional_access/idp/signing_cert      the device CA as PEM (older authentik)
 *
 * Fleet's bearer token is a Facet API token with the `fleet:read` scope. Errors are in Fleet's
 * shape, `{ message, errors: [{ name, reason }] }`. Pages are by device id, stable whatever
 * `order_key` says, and a page past the end is `{"hosts": []}` (authentik pages until it sees one).
 */
import type { Context, Hono } from "hono";
import { HostsQuerySchema } from "../api/fleet.ts";
import type { Policy } from "../policy/schema.ts";
import type { Device } from "../store/types.ts";
import { requireScope, type AuthErrorRenderer, type AuthVariables } from "../http/middleware/auth.ts";
import type { HttpDeps } from "../http/deps.ts";
import { query } from "../http/middleware/validate.ts";
import { caProfile } from "./ca-profile.ts";
import { fleetHost, numericId, SERIAL_STAND_IN_PREFIX } from "./host.ts";

const on = (v: string | undefined) => v !== undefined && v !== "false" && v !== "0";

export function fleetError(c: Context, status: 400 | 401 | 403 | 404 | 500, message: string, reason = message) {
  return c.json({ message, errors: [{ name: "base", reason }] }, status);
}

const fleetAuthError: AuthErrorRenderer = (c, status, _code, message, headers) => {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return fleetError(c, status, status === 401 ? "Authentication required" : status === 403 ? "forbidden" : "Bad request", message);
};

export function mountFleetApi(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store } = deps;
  const auth = requireScope(deps.apiTokens, "fleet:read", fleetAuthError);

  async function hostsFor(devices: Device[], populate: { software: boolean; users: boolean; policies: boolean; deviceMapping: boolean }) {
    const ids = devices.map((d) => d.id);
    const [bindings, online, latest, policies] = await Promise.all([
      populate.deviceMapping ? store.bindingsOf(ids) : Promise.resolve(new Map()),
      deps.hub.presence(ids),
      deps.lookup.latestSnapshots(devices, { remember: false }),
      populate.policies ? deps.compliance.loadPolicies(undefined) : Promise.resolve({ ok: true as const, policies: [] as Policy[] }),
    ]);
    const hosts = [];
    for (const device of devices) {
      const snapshot = latest.get(device.id) ?? null;
      let verdicts: { id: number; name: string; result: "PASS" | "FAIL" | "UNKNOWN" | "GRACE"; passing: boolean }[] = [];
      if (populate.policies && policies.ok && policies.policies.length > 0) {
        // Evaluated now, as a sign-in would be: authentik reads these as the device's current verdicts.
        const evaluations = await deps.compliance.evaluateDevice(device, snapshot, policies.policies);
        verdicts = evaluations.filter((e) => e.applicable).map((e) => ({ id: numericId(e.policyId), name: e.policyName, result: e.result as "PASS", passing: e.passing }));
      }
      hosts.push(fleetHost({ device, facts: snapshot?.facts ?? null, online: online.has(device.id), bindings: bindings.get(device.id) ?? [], policies: verdicts, populate }));
    }
    return hosts;
  }

  const hostsQuery = query(HostsQuerySchema, (c, error) => fleetError(c, 400, "Bad request", error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")));
  app.get("/api/v1/fleet/hosts", auth, hostsQuery, async (c) => {
    const q = c.req.valid("query");
    const { page, per_page } = q;
    const devices = await store.listDevices({ limit: per_page, offset: page * per_page });
    const populate = { software: on(q.populate_software), users: on(q.populate_users), policies: on(q.populate_policies), deviceMapping: on(q.device_mapping) };
    return c.json({ hosts: await hostsFor(devices, populate) });
  });

  app.get("/api/v1/fleet/hosts/identifier/:identifier", auth, async (c) => {
    const id = c.req.param("identifier");
    const byId = /^[0-9a-f-]{36}$/i.test(id) ? await store.getDevice(id.toLowerCase()) : null;
    const stand = id.startsWith(SERIAL_STAND_IN_PREFIX) ? await store.getDevice(id.slice(SERIAL_STAND_IN_PREFIX.length)) : null;
    const candidates = byId ?? stand ? [byId ?? stand!] : [...(await store.listDevices({ serial: id, limit: 2 })), ...(await store.listDevices({ hostname: id, limit: 2 }))];
    const live = candidates.filter((d) => d.revokedAt === null);
    if (live.length !== 1) return fleetError(c, 404, "Resource Not Found", live.length === 0 ? `no host with identifier ${id}` : `identifier ${id} matches several hosts`);
    const [host] = await hostsFor(live, { software: true, users: true, policies: true, deviceMapping: true });
    return c.json({ host });
  });

  app.get("/api/v1/fleet/conditional_access/idp/apple/profile", auth, (c) =>
    c.body(caProfile(deps.deviceCa.certificatePem), 200, { "content-type": "application/x-apple-aspen-config" }),
  );

  app.get("/api/v1/fleet/conditional_access/idp/signing_cert", auth, (c) => c.body(deps.deviceCa.certificatePem, 200, { "content-type": "application/x-pem-file" }));

  app.all("/api/v1/fleet/*", (c) => fleetError(c, 404, "Resource Not Found", `Facet serves only Fleet's read API for hosts; no route for ${c.req.method} ${c.req.path}`));
}
