/**
 * Device assurance policies (Okta's API shape) and the sign-in check that applies them. A policy
 * document is validated beyond its schema (Okta's cross-field rules, CEL custom checks compiled)
 * by parsePolicyBody (connector/policy/parse.ts, pure): part of this contract, so the route
 * applies it and `facet policies` checks a file with it, offline, before sending.
 */
import { z } from "zod";
import { parsePolicyBody } from "../policy/parse.ts";
import { PolicyBodySchema } from "../policy/schema.ts";
import { EndpointCheckSchema } from "../signin/request.ts";
import { IdParam, IsoTime, route, scope } from "./contract.ts";
import { DeviceViewSchema } from "./devices.ts";
import { CheckResultSchema, PolicyEvaluationSchema, PolicyResultSchema } from "./evaluation.ts";

export { PolicyBodySchema, EndpointCheckSchema, parsePolicyBody };

/** The policy as the API returns it: Okta's fields plus `version`. */
export const PolicySchema = PolicyBodySchema.safeExtend({
  id: z.string(),
  version: z.number().int(),
  createdDate: IsoTime,
  lastUpdate: IsoTime,
  _links: z.object({ self: z.object({ href: z.string(), hints: z.object({ allow: z.array(z.string()) }) }) }),
});

/** The answer to a sign-in check (connector/http/routes/endpoint.ts). */
export const EndpointCheckResultSchema = z.object({
  passing: z.boolean(),
  result: PolicyResultSchema,
  /** For the person signing in. */
  messages: z.array(z.string()),
  /** Why no device was judged (`no_certificate`, `not_bound`, …); null when one was. */
  reason: z.string().nullable(),
  /** What proved which device signs in; null when none was judged. */
  proof: z.enum(["certificate", "lookup"]).nullable(),
  /** The device the answer is about: its full view with `devices:read`, else its id and name. */
  device: z.union([DeviceViewSchema, z.object({ id: z.string(), name: z.string() })]).nullable(),
  devices: z.array(
    z.object({
      id: z.string(),
      name: z.string().optional(),
      identifier: z.string().nullable().optional(),
      passing: z.boolean(),
      result: PolicyResultSchema,
      refreshed: z.boolean().optional(),
    }),
  ),
  rule: z.enum(["any", "all"]),
  policies: z.array(PolicyEvaluationSchema),
  checks: z.array(CheckResultSchema.extend({ policyId: z.string() })),
});

const tag = "policies";
const read = scope("policies:read");
const write = scope("policies:write");
const noPolicy = { description: "no policy with this id" };
const invalid = { description: "an invalid policy: `invalid_policy` or `unsupported_platform`, with every issue" };

export const policyRoutes = [
  route({
    method: "get", path: "/v1/device-assurances", id: "listPolicies", tag, auth: read, summary: "List device assurance policies",
    responses: { 200: { description: "every policy", schema: z.array(PolicySchema) } },
  }),
  route({
    method: "post", path: "/v1/device-assurances", id: "createPolicy", tag, auth: write, summary: "Create a device assurance policy",
    body: PolicyBodySchema,
    responses: { 200: { description: "the policy created", schema: PolicySchema }, 400: invalid },
  }),
  route({
    method: "get", path: "/v1/device-assurances/{id}", id: "getPolicy", tag, auth: read, summary: "A device assurance policy",
    params: IdParam,
    responses: { 200: { description: "the policy", schema: PolicySchema }, 404: noPolicy },
  }),
  route({
    method: "put", path: "/v1/device-assurances/{id}", id: "replacePolicy", tag, auth: write, summary: "Replace a device assurance policy",
    params: IdParam, body: PolicyBodySchema,
    responses: { 200: { description: "the policy as replaced", schema: PolicySchema }, 400: invalid, 404: noPolicy },
  }),
  route({
    method: "delete", path: "/v1/device-assurances/{id}", id: "deletePolicy", tag, auth: write, summary: "Delete a device assurance policy",
    params: IdParam,
    responses: { 204: { description: "deleted" }, 404: noPolicy },
  }),
  route({
    method: "post", path: "/v1/endpoint/check", id: "endpointCheck", tag: "sign-in", auth: scope("endpoint:check"),
    summary: "Judge the device a sign-in comes from against policies (the auth server's one call)",
    body: EndpointCheckSchema,
    responses: { 200: { description: "the verdict; `passing` says whether to let the sign-in through", schema: EndpointCheckResultSchema }, 400: { description: "an invalid request or unknown policy ids" } },
  }),
] as const;

export type PolicyInfo = z.output<typeof PolicySchema>;
