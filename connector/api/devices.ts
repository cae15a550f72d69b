/**
 * Devices: list, show, refresh-and-wait, revoke, the users bound to them, and their compliance.
 * A device's facts are Facet's facts document (shared/facts/schema.ts, docs/protocol.md) or
 * authentik's view of it; the contract leaves their inside to those documents.
 */
import { z } from "zod";
import { UsernameSchema } from "../signin/request.ts";
import { PolicyIdsSchema } from "../policy/schema.ts";
import { IdParam, IsoTime, route, scope } from "./contract.ts";
import { CombinedEvaluationSchema, PolicyEvaluationSchema } from "./evaluation.ts";

/** `authentik`: what authentik's DeviceFacts accepts; `facet`: the document as the agent signed it. */
export const FACTS_VIEWS = ["authentik", "facet"] as const;
export type FactsView = (typeof FACTS_VIEWS)[number];

export const DeviceListQuerySchema = z.object({
  serial: z.string().max(256).optional(),
  hostname: z.string().max(255).optional(),
  /** Bound to this user by an authority. */
  user: z.string().max(256).optional(),
  /** Claiming this user in its own reports (console user at enrollment, users[]). */
  claimed_user: z.string().max(256).optional(),
  platform: z.string().max(32).optional(),
  include_revoked: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(128).optional(),
  /** `summary` (default): the device rows, no facts; `authentik` or `facet`: DeviceViews with facts in that shape. */
  view: z.enum(["summary", ...FACTS_VIEWS]).default("summary"),
});

export const RefreshQuerySchema = z.object({
  /** Seconds to wait for the agent's answer; 0 asks and returns 202 at once. */
  wait: z.coerce.number().min(0).max(60).default(5),
  view: z.enum(FACTS_VIEWS).default("authentik"),
});

export const ViewQuerySchema = z.object({ view: z.enum(FACTS_VIEWS).default("authentik") });

export const BindUserSchema = z.strictObject({ username: UsernameSchema });

export const EvaluateBodySchema = z.strictObject({ policies: PolicyIdsSchema.optional() });

export const CachedFactsSchema = z.object({
  data: z.record(z.string(), z.unknown()).describe("the facts, in the view asked for"),
  /** Why each fact that is not there is unknown, keyed by its path in Facet's document. */
  unknown: z.record(z.string(), z.string()),
  /** When the facts were collected on the device. */
  created: IsoTime,
  /** After this the facts are stale and a policy does not trust them. */
  expires: IsoTime,
});

/** The device as an identity provider's endpoint stage reads it (authentik's shape). */
export const DeviceViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  /** The hardware serial number. */
  identifier: z.string().nullable(),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  platform: z.string().nullable(),
  connected: z.boolean(),
  last_seen: IsoTime.nullable(),
  cached_facts: CachedFactsSchema.nullable(),
});

/** A device in a list: what its row says, no facts. */
export const DeviceSummarySchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  hostname: z.string().nullable(),
  identifier: z.string().nullable(),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  platform: z.string().nullable(),
  /** The console user at enrollment. */
  user: z.string().nullable(),
  connected: z.boolean(),
  enrolled_at: IsoTime,
  last_seen: IsoTime.nullable(),
  revoked_at: IsoTime.nullable(),
});

export const BindingSchema = z.object({
  username: z.string(),
  source: z.enum(["admin", "enrollment", "idp"]),
  bound_by: z.string(),
  bound_at: IsoTime,
});

export const DeviceUsersSchema = z.object({
  device_id: z.string(),
  bound: z.array(BindingSchema),
  /** What the device says of itself: shown, never used for a verdict. */
  claimed: z.object({ console_user_at_enrollment: z.string().nullable(), users_reported: z.array(z.string()) }),
});

const tag = "devices";
const noDevice = { description: "no device with this id" };
const UserParams = z.object({ id: z.string(), username: z.string() });

export const deviceRoutes = [
  route({
    method: "get", path: "/v1/devices", id: "listDevices", tag, auth: scope("devices:read"), summary: "List devices, a page at a time",
    query: DeviceListQuerySchema,
    responses: {
      200: {
        description: "a page of devices: summaries, or full views with `view=authentik|facet`",
        schema: z.object({ devices: z.array(z.union([DeviceSummarySchema, DeviceViewSchema])), next_cursor: z.string().nullable() }),
      },
    },
  }),
  route({
    method: "get", path: "/v1/devices/{id}", id: "getDevice", tag, auth: scope("devices:read"), summary: "A device with its latest facts",
    params: IdParam, query: ViewQuerySchema,
    responses: { 200: { description: "the device; gzip-encoded (Content-Encoding: gzip) when the request accepts gzip and the facts come from the view stored at ingest", schema: DeviceViewSchema }, 404: noDevice },
  }),
  route({
    method: "post", path: "/v1/devices/{id}/refresh", id: "refreshDevice", tag, auth: scope("devices:refresh"),
    summary: "Ask the device's agent for fresh facts and wait for them",
    params: IdParam, query: RefreshQuerySchema,
    responses: {
      200: { description: "the device with the facts it just sent", schema: DeviceViewSchema },
      202: { description: "asked (`wait=0`); read the device later", schema: z.object({ requested: z.literal(true) }) },
      404: { description: "no live device with this id" },
      409: { description: "the device's agent is not connected" },
      502: { description: "the agent's answer was rejected" },
      504: { description: "no answer in time, or the agent went away" },
    },
  }),
  route({
    method: "post", path: "/v1/devices/{id}/revoke", id: "revokeDevice", tag, auth: scope("devices:write"), summary: "Revoke a device and disconnect its agent",
    params: IdParam,
    responses: { 200: { description: "revoked (or already revoked)", schema: z.object({ id: z.string(), revoked_at: IsoTime, disconnected: z.boolean() }) }, 404: noDevice },
  }),
  route({
    method: "get", path: "/v1/devices/{id}/users", id: "deviceUsers", tag, auth: scope("devices:read"), summary: "The users bound to a device, and those it claims",
    params: IdParam,
    responses: { 200: { description: "bound and claimed users", schema: DeviceUsersSchema }, 404: noDevice },
  }),
  route({
    method: "post", path: "/v1/devices/{id}/users", id: "assignUser", tag, auth: scope("devices:write"), summary: "Bind a user to a device",
    params: IdParam, body: BindUserSchema,
    responses: {
      200: { description: "already bound", schema: z.object({ device_id: z.string(), username: z.string(), bound: z.literal("already") }) },
      201: { description: "bound now", schema: z.object({ device_id: z.string(), username: z.string(), bound: z.literal("now") }) },
      404: noDevice,
      409: { description: "the device is revoked" },
    },
  }),
  route({
    method: "delete", path: "/v1/devices/{id}/users/{username}", id: "unassignUser", tag, auth: scope("devices:write"), summary: "Remove a user's binding to a device",
    params: UserParams,
    responses: { 200: { description: "removed", schema: z.object({ device_id: z.string(), username: z.string(), removed: z.literal(true) }) }, 404: { description: "no such device, or not bound to this user" } },
  }),
  route({
    method: "post", path: "/v1/devices/{id}/evaluate", id: "evaluateDevice", tag, auth: scope("devices:read"),
    summary: "Evaluate a device now against policies (all of them when none are named)",
    params: IdParam, body: EvaluateBodySchema, bodyOptional: true,
    responses: {
      200: { description: "the combined evaluation", schema: CombinedEvaluationSchema.extend({ deviceId: z.string(), evaluatedAt: IsoTime }) },
      400: { description: "unknown policy ids, or no policy to evaluate" },
      404: noDevice,
    },
  }),
  route({
    method: "get", path: "/v1/devices/{id}/compliance", id: "deviceCompliance", tag, auth: scope("devices:read"), summary: "What the last evaluations of a device stored",
    params: IdParam,
    responses: {
      200: {
        description: "per policy, its last evaluation",
        schema: z.object({ deviceId: z.string(), policies: z.array(PolicyEvaluationSchema.extend({ policyVersion: z.number().int(), evaluatedAt: IsoTime })) }),
      },
      404: noDevice,
    },
  }),
] as const;

export type DeviceSummary = z.output<typeof DeviceSummarySchema>;
