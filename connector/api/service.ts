/** The service's own routes: liveness, readiness, metrics, enrollment, the device CA, whoami and this document. */
import { z } from "zod";
import { EnrollRequestSchema, EnrollResponseSchema } from "../../shared/protocol/enroll.ts";
import { anyToken, IsoTime, noAuth, route, scope } from "./contract.ts";
import { ApiTokenSchema } from "./tokens.ts";

export const OPENAPI_PATH = "/v1/openapi.json";
export const DEVICE_CA_PATH = "/v1/device-ca";
export const METRICS_PATH = "/metrics";

/** Whether the store accepts writes now (connector/http/routes/readiness.ts). */
export const StoreReadinessSchema = z.object({
  kind: z.enum(["sqlite", "postgres"]),
  writable: z.boolean(),
  /** Free bytes on the SQLite database's filesystem, for the unprivileged user. */
  freeBytes: z.number().optional(),
  /** Why the store cannot write, when it cannot. */
  error: z.string().optional(),
});

/** Whether the OS release catalog in force loads, and how fresh it is. */
export const CatalogReadinessSchema = z.union([
  z.object({
    loaded: z.literal(true),
    /** `imported`: updated or imported into the store; `bundled`: the one this build ships. */
    source: z.enum(["imported", "bundled"]),
    version: z.string(),
    confirmedAt: IsoTime,
    ageDays: z.number().int(),
    maxAgeDays: z.number().int(),
    stale: z.boolean(),
  }),
  z.object({ loaded: z.literal(false), error: z.string() }),
]);

const ReadinessSchema = z.object({
  ready: z.boolean(),
  store: StoreReadinessSchema,
  osCatalog: CatalogReadinessSchema,
  /** Only with replicas on PostgreSQL: whether this replica hears the others. */
  replicaBus: z.object({ replicaId: z.string(), listening: z.boolean() }).optional(),
});

const tag = "service";

export const serviceRoutes = [
  route({
    method: "get", path: "/healthz", id: "healthz", tag, auth: noAuth, summary: "Liveness: the process answers",
    responses: { 200: { description: "alive", schema: z.object({ ok: z.literal(true) }) } },
  }),
  route({
    method: "get", path: "/readyz", id: "readyz", tag, auth: noAuth, summary: "Readiness: the connector can do its job now (its store accepts writes)",
    responses: { 200: { description: "ready", schema: ReadinessSchema }, 503: { description: "not ready, and why", schema: ReadinessSchema } },
  }),
  route({
    method: "get", path: METRICS_PATH, id: "metrics", tag, auth: scope("metrics:read"), summary: "Prometheus metrics: snapshots, sign-ins, agents, store latency, caches",
    responses: { 200: { description: "the Prometheus text exposition", mediaType: "text/plain" } },
  }),
  route({
    method: "get", path: OPENAPI_PATH, id: "openapi", tag, auth: noAuth, summary: "This document",
    responses: { 200: { description: "the OpenAPI 3.1 document of the REST API", schema: z.record(z.string(), z.unknown()) } },
  }),
  route({
    method: "post", path: "/v1/enroll", id: "enroll", tag: "agents", auth: noAuth,
    summary: "Enroll a device: an agent presents an enrollment token and proves it holds its new key",
    body: EnrollRequestSchema,
    responses: {
      201: { description: "enrolled", schema: EnrollResponseSchema },
      400: { description: "an invalid request, a weak public key (`bad_public_key`) or a bad proof (`bad_signature`)" },
      401: { description: "the enrollment token is unknown, expired, used up or revoked" },
      409: { description: "the public key is already enrolled (`key_in_use`) or revoked (`key_revoked`)" },
    },
  }),
  route({
    method: "get", path: DEVICE_CA_PATH, id: "deviceCa", tag: "agents", auth: noAuth, summary: "The device CA certificate, for reverse proxies and auth servers",
    responses: { 200: { description: "PEM", mediaType: "application/x-pem-file" } },
  }),
  route({
    method: "get", path: "/v1/whoami", id: "whoami", tag: "tokens", auth: anyToken, summary: "The calling token's id, name and scopes",
    responses: { 200: { description: "the calling token", schema: ApiTokenSchema } },
  }),
] as const;
