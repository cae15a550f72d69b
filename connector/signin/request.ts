/**
 * The body of `POST /v1/endpoint/check`, the one call an auth server makes during a sign-in.
 *
 * `mode` says what proves which device the sign-in comes from:
 * - `required`: the client certificate the browser presented (forwarded by the auth server's
 *   reverse proxy, passed on as `clientCertificate`) names the device; without a valid one the
 *   sign-in fails. With `username`, the device must also be bound to that user.
 * - `optional`: the same, but a sign-in that presents no certificate at all passes (unmanaged
 *   devices allowed); a certificate that is presented must be valid.
 * - `lookup`: the weaker mode. The device is named by `device` id, `serial` or the user's bound
 *   devices (`username`); nothing proves the sign-in comes from it.
 */
import { z } from "zod";
import { compileCheck } from "../agent-channel/schema-check.ts";
import { PolicyIdsSchema } from "../policy/schema.ts";

export const MAX_REFRESH_WAIT_SECONDS = 10;
/** A forwarded PEM chain of a few certificates, URL-escaped, fits with room to spare. */
export const MAX_CLIENT_CERTIFICATE_CHARS = 32 * 1024;

/** A user as the identity provider names them; no control characters (they reach terminals and logs). */
export const UsernameSchema = z.string().trim().min(1).max(256).regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

const MODES = ["required", "optional", "lookup"] as const;
const RULES = ["any", "all"] as const;
const DEFAULTS = { mode: "required", rule: "any", refresh: false, refreshWait: 5 } as const;

/** What the fields say together; shared by the schema and the compiled path so both refuse alike. */
function crossFieldIssues(b: { mode: string; clientCertificate?: string | undefined; username?: string | undefined; device?: string | undefined; serial?: string | undefined }): { message: string; path: string }[] {
  const issues: { message: string; path: string }[] = [];
  const issue = (message: string, path: string) => issues.push({ message, path });
  if (b.device !== undefined && b.serial !== undefined) issue("name the device with one of device or serial, not both", "serial");
  if (b.mode === "lookup") {
    if (b.clientCertificate !== undefined) issue('a client certificate proves the device: use mode "required" or "optional"', "clientCertificate");
    if (b.device === undefined && b.serial === undefined && b.username === undefined) issue('mode "lookup" needs device, serial or username', "device");
  } else {
    if (b.device !== undefined) issue(`device names a device without proof: in mode "${b.mode}" the client certificate names it (or use mode "lookup")`, "device");
    if (b.serial !== undefined) issue(`serial names a device without proof: in mode "${b.mode}" the client certificate names it (or use mode "lookup")`, "serial");
  }
  return issues;
}

const fields = {
  clientCertificate: z.string().max(MAX_CLIENT_CERTIFICATE_CHARS).optional(),
  device: z.string().min(1).max(128).optional(),
  serial: z.string().min(1).max(256).optional(),
  policies: PolicyIdsSchema.min(1),
};

export const EndpointCheckSchema = z
  .strictObject({
    ...fields,
    username: UsernameSchema.optional(),
    mode: z.enum(MODES).default(DEFAULTS.mode),
    rule: z.enum(RULES).default(DEFAULTS.rule),
    refresh: z.boolean().default(DEFAULTS.refresh),
    refreshWait: z.number().min(0.1).max(MAX_REFRESH_WAIT_SECONDS).default(DEFAULTS.refreshWait),
  })
  .superRefine((b, ctx) => {
    for (const { message, path } of crossFieldIssues(b)) ctx.addIssue({ code: "custom", message, path: [path] });
  });

export type EndpointCheck = z.infer<typeof EndpointCheckSchema>;

/**
 * The body as an auth server sends it when zod would change nothing but fill in defaults: a
 * username already trimmed (no leading or trailing white space, the set String.prototype.trim
 * removes, which is what \s matches), no transforms, no refinements. compileCheck turns this into
 * a plain function (agent-channel/schema-check.ts); a body it does not accept goes to zod.
 */
const PlainEndpointCheckSchema = z.strictObject({
  ...fields,
  username: z
    .string()
    .max(256)
    .regex(/^[^\p{Cc}\s](?:[^\p{Cc}]*[^\p{Cc}\s])?$/u)
    .optional(),
  mode: z.enum(MODES).optional(),
  rule: z.enum(RULES).optional(),
  refresh: z.boolean().optional(),
  refreshWait: z.number().min(0.1).max(MAX_REFRESH_WAIT_SECONDS).optional(),
});
const plainCheck = compileCheck(PlainEndpointCheckSchema);

/**
 * `EndpointCheckSchema.safeParse`, answered by the compiled check when it can: for a body it
 * accepts (and whose fields agree), the result is zod's — the defaults filled in — without zod's
 * copy of the document. Anything else, and every refusal's message, is zod's own.
 */
export function parseEndpointCheck(value: unknown): ReturnType<typeof EndpointCheckSchema.safeParse> {
  if (plainCheck?.(value)) {
    const body = { ...DEFAULTS, ...(value as z.output<typeof PlainEndpointCheckSchema>) } as EndpointCheck;
    if (crossFieldIssues(body).length === 0) return { success: true, data: body };
  }
  return EndpointCheckSchema.safeParse(value);
}

/**
 * Whether the proxy forwarded no certificate. nginx sends an empty `$ssl_client_escaped_cert`,
 * others "(null)" or "-", when the browser presented none.
 */
export function noCertificatePresented(value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.trim();
  return v === "" || v === "-" || v === "(null)";
}
