/**
 * The OpenAPI 3.1 document of the REST API, generated from the contract (routes.ts) with zod's
 * own JSON Schema output (draft 2020-12, OpenAPI 3.1's dialect). Requests are described as the
 * connector accepts them (`io: "input"`: defaults make a field optional), answers as it writes
 * them (`io: "output"`: objects admit no other properties, so an undocumented field in an answer
 * fails the contract test).
 */
import { z } from "zod";
import { FACET_VERSION } from "./version.ts";
import { ApiErrorSchema, FleetErrorSchema, type ResponseSpec, type RouteSpec } from "./contract.ts";
import { API_ROUTES } from "./routes.ts";

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  // Transforms and coercions have no JSON Schema; they describe what they accept as "any" rather than fail.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

const STATUS_TEXT: Record<number, string> = { 400: "a malformed request", 401: "no valid API token", 403: "the token lacks the scope", 413: "the body is too large" };

function errorRef(route: RouteSpec): { $ref: string } {
  return { $ref: route.errorShape === "fleet" ? "#/components/schemas/FleetError" : "#/components/schemas/Error" };
}

function response(route: RouteSpec, status: number, spec: ResponseSpec): JsonSchema {
  if (spec.mediaType) return { description: spec.description, content: { [spec.mediaType]: { schema: { type: "string" } } } };
  if (status === 204) return { description: spec.description };
  const schema = spec.schema ? jsonSchema(spec.schema, "output") : status >= 400 ? errorRef(route) : undefined;
  return { description: spec.description, ...(schema ? { content: { "application/json": { schema } } } : {}) };
}

function operation(route: RouteSpec): JsonSchema {
  const pathParams = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const parameters: JsonSchema[] = pathParams.map((name) => ({ name, in: "path", required: true, schema: { type: "string" } }));
  if (route.query) {
    const query = jsonSchema(route.query, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: "query", required: query.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest });
    }
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, spec] of Object.entries(route.responses)) responses[status] = response(route, Number(status), spec);
  const fail = (status: number) => (responses[status] ??= { description: STATUS_TEXT[status]!, content: { "application/json": { schema: errorRef(route) } } });
  if (route.query || route.body) fail(400);
  if (route.body) fail(413);
  if (route.auth.kind !== "none") {
    fail(400);
    fail(401);
  }
  if (route.auth.kind === "scope") fail(403);
  responses.default = { description: "the connector failed (`internal`), or its database is unavailable (`store_unavailable`, 503)", content: { "application/json": { schema: errorRef(route) } } };
  const scope = route.auth.kind === "scope" ? route.auth.scope : null;
  return {
    operationId: route.id,
    summary: route.summary,
    tags: [route.tag],
    ...(scope ? { description: `Needs an API token with the scope \`${scope}\` (or \`admin\`).`, "x-facet-scope": scope } : {}),
    security: route.auth.kind === "none" ? [] : [{ bearer: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: !route.bodyOptional, content: { "application/json": { schema: jsonSchema(route.body, "input") } } } } : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly RouteSpec[] = API_ROUTES): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: "3.1.0",
    info: {
      title: "Facet connector",
      version: FACET_VERSION,
      description: "The REST API of Facet's connector: devices and their facts, device assurance policies, the sign-in check, tokens, events, and the read side of Fleet's API. Errors are `{ error: { code, message } }` (codes in docs/protocol.md); the Fleet-compatible routes answer in Fleet's shape.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A Facet API token" } },
      schemas: { Error: jsonSchema(ApiErrorSchema, "output"), FleetError: jsonSchema(FleetErrorSchema, "output") },
    },
    paths,
  };
}
