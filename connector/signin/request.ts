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
import { PolicyIdsSchema } from "../policy/schema.ts";

export const MAX_REFRESH_WAIT_SECONDS = 10;
/** A forwarded PEM chain of a few certificates, URL-escaped, fits with room to spare. */
export const MAX_CLIENT_CERTIFICATE_CHARS = 32 * 1024;

/** A user as the identity provider names them; no control characters (they reach terminals and logs). */
export const UsernameSchema = z.string().trim().min(1).max(256).regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

export const EndpointCheckSchema = z
  .strictObject({
    clientCertificate: z.string().max(MAX_CLIENT_CERTIFICATE_CHARS).optional(),
    username: UsernameSchema.optional(),
    device: z.string().min(1).max(128).optional(),
    serial: z.string().min(1).max(256).optional(),
    policies: PolicyIdsSchema.min(1),
    mode: z.enum(["required", "optional", "lookup"]).default("required"),
    rule: z.enum(["any", "all"]).default("any"),
    refresh: z.boolean().default(false),
    refreshWait: z.number().min(0.1).max(MAX_REFRESH_WAIT_SECONDS).default(5),
  })
  .superRefine((b, ctx) => {
    const issue = (message: string, path: string) => ctx.addIssue({ code: "custom", message, path: [path] });
    if (b.device !== undefined && b.serial !== undefined) issue("name the device with one of device or serial, not both", "serial");
    if (b.mode === "lookup") {
      if (b.clientCertificate !== undefined) issue('a client certificate proves the device: use mode "required" or "optional"', "clientCertificate");
      if (b.device === undefined && b.serial === undefined && b.username === undefined) issue('mode "lookup" needs device, serial or username', "device");
    } else {
      if (b.device !== undefined) issue(`device names a device without proof: in mode "${b.mode}" the client certificate names it (or use mode "lookup")`, "device");
      if (b.serial !== undefined) issue(`serial names a device without proof: in mode "${b.mode}" the client certificate names it (or use mode "lookup")`, "serial");
    }
  });

export type EndpointCheck = z.infer<typeof EndpointCheckSchema>;

/**
 * Whether the proxy forwarded no certificate. nginx sends an empty `$ssl_client_escaped_cert`,
 * others "(null)" or "-", when the browser presented none.
 */
export function noCertificatePresented(value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.trim();
  return v === "" || v === "-" || v === "(null)";
}
