/**
 * The REST contract, written once: each route's method, path, who may call it, and the zod
 * schemas of its query, body and answers. The route modules (connector/http/) validate requests
 * with these schemas (http/middleware/validate.ts), `GET /v1/openapi.json` is generated from them
 * (openapi.ts), and the admin CLI's client is typed by them (cli/client.ts). A test
 * (test/connector/openapi.test.ts) holds the routes hono registered and the answers they give to
 * this contract.
 *
 * Nothing in api/ imports from http/, and from store/ only types: the CLI depends on api/ and on
 * nothing of the server's.
 */
import { z } from "zod";
import { SCOPES } from "./scopes.ts";

export { SCOPES };
export const ScopeSchema = z.enum(SCOPES);
export type Scope = (typeof SCOPES)[number];

export type HttpMethod = "get" | "post" | "put" | "delete";

/** Who may call a route: no token at all, any valid API token, or one with this scope (or `admin`). */
export type RouteAuth = { kind: "none" } | { kind: "token" } | { kind: "scope"; scope: Scope };

export const noAuth: RouteAuth = { kind: "none" };
export const anyToken: RouteAuth = { kind: "token" };
export const scope = (s: Scope): RouteAuth => ({ kind: "scope", scope: s });

export interface ResponseSpec {
  description: string;
  /** JSON answers: the body's schema. */
  schema?: z.ZodType;
  /** Non-JSON answers (a PEM, a configuration profile): the media type, body a string. */
  mediaType?: string;
}

export interface RouteSpec {
  method: HttpMethod;
  /** OpenAPI's template form, `/v1/devices/{id}`; http/ registers hono's `/v1/devices/:id`. */
  path: string;
  /** Stable name, the OpenAPI operationId. */
  id: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  /** The Fleet-compatible API answers errors in Fleet's shape, not Facet's. */
  errorShape?: "facet" | "fleet";
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Whether the body may be left out (a POST whose body is all defaults). */
  bodyOptional?: boolean;
  responses: Record<number, ResponseSpec>;
}

export function route<const R extends RouteSpec>(spec: R): R {
  return spec;
}

/** Every failure of Facet's own API: `{ error: { code, message } }`; codes are listed in docs/protocol.md. */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** Invalid documents (a policy, an OS catalog): every problem found, by path. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** Fleet's error shape, for the Fleet-compatible API. */
export const FleetErrorSchema = z.object({
  message: z.string(),
  errors: z.array(z.object({ name: z.string(), reason: z.string() })),
});

export const IsoTime = z.string().describe("ISO 8601 time");
export const IdParam = z.object({ id: z.string() });

/** The JSON answer of a route for one status, typed from its schema. */
export type Answer<R extends RouteSpec, S extends keyof R["responses"]> = R["responses"][S] extends { schema: infer T extends z.ZodType } ? z.output<T> : never;
