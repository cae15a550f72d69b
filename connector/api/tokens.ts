/** Token administration: enrollment tokens (for agents) and API tokens (for auth servers and admins). */
import { z } from "zod";
import { UsernameSchema } from "../signin/request.ts";
import { IdParam, IsoTime, ScopeSchema, route, scope } from "./contract.ts";

export const CreateEnrollTokenSchema = z.strictObject({
  label: z.string().max(200).optional(),
  /** Omitted: ENROLL_TOKEN_DEFAULTS.maxUses (http/routes/tokens.ts); null: unlimited. */
  max_uses: z.number().int().positive().max(1_000_000).nullable().optional(),
  /** Lifetime in seconds from now. Omitted: ENROLL_TOKEN_DEFAULTS.expiresInSeconds; null: never expires. */
  expires_in: z.number().int().positive().max(10 * 365 * 24 * 3600).nullable().optional(),
  /** Every device enrolled with the token is bound to this user: the issuer vouches for who will use it. */
  user: UsernameSchema.optional(),
});

export const CreateApiTokenSchema = z.strictObject({
  name: z.string().min(1).max(200),
  scopes: z.array(ScopeSchema).min(1).max(ScopeSchema.options.length),
});

export const EnrollTokenSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  user: z.string().nullable(),
  created_at: IsoTime,
  expires_at: IsoTime.nullable(),
  max_uses: z.number().int().nullable(),
  uses: z.number().int(),
  revoked_at: IsoTime.nullable(),
  state: z.enum(["active", "expired", "used_up", "revoked"]),
});

export const ApiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(ScopeSchema),
  created_at: IsoTime,
  revoked_at: IsoTime.nullable(),
});

/** The secret, returned once at creation; only its hash is stored. */
const secret = { token: z.string() };
const Revoked = z.object({ id: z.string(), revoked: z.literal(true) });

const tag = "tokens";
const auth = scope("tokens:write");
const notFound = { description: "no token with this id" };

export const tokenRoutes = [
  route({
    method: "post", path: "/v1/tokens/enroll", id: "createEnrollToken", tag, auth,
    summary: "Create an enrollment token (binding it to a user needs devices:write as well)",
    body: CreateEnrollTokenSchema,
    responses: { 201: { description: "the token, with its secret", schema: EnrollTokenSchema.extend(secret) } },
  }),
  route({
    method: "get", path: "/v1/tokens/enroll", id: "listEnrollTokens", tag, auth, summary: "List enrollment tokens",
    responses: { 200: { description: "every enrollment token", schema: z.object({ tokens: z.array(EnrollTokenSchema) }) } },
  }),
  route({
    method: "post", path: "/v1/tokens/enroll/{id}/revoke", id: "revokeEnrollToken", tag, auth, summary: "Revoke an enrollment token",
    params: IdParam,
    responses: { 200: { description: "revoked (or already revoked)", schema: Revoked }, 404: notFound },
  }),
  route({
    method: "post", path: "/v1/tokens/api", id: "createApiToken", tag, auth,
    summary: "Create an API token with scopes the caller holds itself",
    body: CreateApiTokenSchema,
    responses: { 201: { description: "the token, with its secret", schema: ApiTokenSchema.extend(secret) } },
  }),
  route({
    method: "get", path: "/v1/tokens/api", id: "listApiTokens", tag, auth, summary: "List the API tokens within the caller's scopes",
    responses: { 200: { description: "the API tokens the caller may manage", schema: z.object({ tokens: z.array(ApiTokenSchema) }) } },
  }),
  route({
    method: "post", path: "/v1/tokens/api/{id}/revoke", id: "revokeApiToken", tag, auth, summary: "Revoke an API token",
    params: IdParam,
    responses: { 200: { description: "revoked (or already revoked)", schema: Revoked }, 404: notFound },
  }),
] as const;

export type EnrollTokenInfo = z.output<typeof EnrollTokenSchema>;
export type ApiTokenInfo = z.output<typeof ApiTokenSchema>;
