/**
 * The read side of Fleet's REST API, for authentik's Fleet connector and other Fleet-API readers
 * (connector/fleet/routes.ts). Errors are in Fleet's shape; the token needs `fleet:read`.
 */
import { z } from "zod";
import { IsoTime, route, scope } from "./contract.ts";

const flag = z.enum(["true", "false", "1", "0", "without_vulnerability_details"]).optional();

export const FLEET_MAX_PER_PAGE = 500;

export const HostsQuerySchema = z.object({
  page: z.coerce.number().int().min(0).max(10_000_000).default(0),
  per_page: z.coerce.number().int().min(1).max(FLEET_MAX_PER_PAGE).default(100),
  /** Accepted and ignored: pages are by device id, stable whatever the order asked. */
  order_key: z.string().max(64).optional(),
  order_direction: z.enum(["asc", "desc"]).optional(),
  populate_software: flag,
  populate_users: flag,
  populate_policies: flag,
  device_mapping: flag,
});

/** A Fleet host (connector/fleet/host.ts); the lists are there when asked for. */
export const FleetHostSchema = z.object({
  /** Fleet's numeric id has no Facet counterpart: a stable number derived from the device id. */
  id: z.number().int(),
  uuid: z.string(),
  hostname: z.string(),
  display_name: z.string(),
  computer_name: z.string(),
  hardware_serial: z.string(),
  hardware_model: z.string(),
  hardware_vendor: z.string(),
  platform: z.string(),
  platform_like: z.string(),
  os_version: z.string(),
  build: z.string(),
  code_name: z.string(),
  cpu_type: z.string(),
  cpu_brand: z.string(),
  cpu_logical_cores: z.number().int(),
  memory: z.number().int(),
  status: z.enum(["online", "offline"]),
  seen_time: IsoTime.nullable(),
  last_enrolled_at: IsoTime,
  team_id: z.null(),
  team_name: z.null(),
  osquery_version: z.string(),
  orbit_version: z.null(),
  software: z.array(z.object({ id: z.number().int(), name: z.string(), version: z.string(), source: z.string() })).optional(),
  users: z.array(z.object({ uid: z.number().int(), username: z.string(), type: z.string(), groupname: z.string(), shell: z.string() })).optional(),
  policies: z
    .array(z.object({ id: z.number().int(), name: z.string(), query: z.string(), description: z.string(), critical: z.boolean(), response: z.enum(["pass", "fail", ""]) }))
    .optional(),
  device_mapping: z.array(z.object({ email: z.string(), source: z.string() })).optional(),
});

const tag = "fleet";
const auth = scope("fleet:read");
const fleet = { errorShape: "fleet" as const };

export const fleetRoutes = [
  route({
    method: "get", path: "/api/v1/fleet/hosts", id: "fleetListHosts", tag, auth, ...fleet, summary: "Fleet: a page of hosts (a page past the end is empty)",
    query: HostsQuerySchema,
    responses: { 200: { description: "the hosts", schema: z.object({ hosts: z.array(FleetHostSchema) }) } },
  }),
  route({
    method: "get", path: "/api/v1/fleet/hosts/identifier/{identifier}", id: "fleetGetHost", tag, auth, ...fleet, summary: "Fleet: one host by uuid, serial or hostname",
    params: z.object({ identifier: z.string() }),
    responses: { 200: { description: "the host, with its software, users, policies and users bound", schema: z.object({ host: FleetHostSchema }) }, 404: { description: "none, or several, match" } },
  }),
  route({
    method: "get", path: "/api/v1/fleet/conditional_access/idp/apple/profile", id: "fleetCaProfile", tag, auth, ...fleet, summary: "Fleet: the device CA as an Apple configuration profile",
    responses: { 200: { description: "a .mobileconfig", mediaType: "application/x-apple-aspen-config" } },
  }),
  route({
    method: "get", path: "/api/v1/fleet/conditional_access/idp/signing_cert", id: "fleetSigningCert", tag, auth, ...fleet, summary: "Fleet: the device CA certificate (older authentik)",
    responses: { 200: { description: "PEM", mediaType: "application/x-pem-file" } },
  }),
] as const;
