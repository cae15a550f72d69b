/**
 * Request validation as middleware, after hono's `validator`: a route names the contract's schema
 * (connector/api/) and its handler reads the typed result with `c.req.valid("json" | "query")`.
 * Failures are the API's 400s, `{ error: { code: "bad_request", message: "<path>: <issue>" } }`.
 * Unlike hono's json validator, a body is read whatever its Content-Type says: agents and scripts
 * have always been able to post without one.
 *
 *   app.post("/v1/tokens/api", auth, jsonBody(CreateApiTokenSchema), (c) => c.json(c.req.valid("json")))
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { apiError, readJson, zodMessage } from "./errors.ts";

type Checked<T> = { ok: true; value: T } | { ok: false; response: Response };

/** A JSON body checked by `check`, which answers the failure itself (a policy's issues, say). */
export function validJson<T, E extends Env = Env>(
  check: (c: Context<E>, value: unknown) => Checked<T> | Promise<Checked<T>>,
  options: { optional?: boolean } = {},
): MiddlewareHandler<E, string, { in: { json: unknown }; out: { json: T } }> {
  return async (c, next) => {
    // An optional body may be left out, or be `null`: both mean "all defaults".
    const raw = options.optional && c.req.header("content-length") === "0" ? { ok: true as const, value: {} } : await readJson(c);
    if (!raw.ok) return raw.response;
    const checked = await check(c, options.optional ? (raw.value ?? {}) : raw.value);
    if (!checked.ok) return checked.response;
    c.req.addValidatedData("json", checked.value as object);
    await next();
  };
}

/** A JSON body parsed by a zod schema; `onInvalid` answers instead of the plain 400. */
export function jsonBody<S extends z.ZodType, E extends Env = Env>(
  schema: S,
  options: { optional?: boolean; onInvalid?: (c: Context<E>, error: z.ZodError) => Response | Promise<Response> } = {},
): MiddlewareHandler<E, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> {
  return validJson<z.output<S>, E>(async (c, value) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return { ok: true, value: parsed.data };
    return { ok: false, response: options.onInvalid ? await options.onInvalid(c, parsed.error) : apiError(c, 400, "bad_request", zodMessage(parsed.error)) };
  }, options) as MiddlewareHandler<E, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }>;
}

/** The query string parsed by a zod schema (one value per name, the first). */
export function query<S extends z.ZodType, E extends Env = Env>(
  schema: S,
  onInvalid: (c: Context<E>, error: z.ZodError) => Response | Promise<Response> = (c, error) => apiError(c, 400, "bad_request", zodMessage(error)),
): MiddlewareHandler<E, string, { in: { query: Record<string, string> }; out: { query: z.output<S> } }> {
  return async (c, next) => {
    const parsed = schema.safeParse(c.req.query());
    if (!parsed.success) return onInvalid(c, parsed.error);
    c.req.addValidatedData("query", parsed.data as object);
    await next();
  };
}
