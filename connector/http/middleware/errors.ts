/**
 * REST errors. Every error body is `{ error: { code, message } }`; codes are stable strings
 * listed in docs/protocol.md so clients branch on them, not on messages.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { hasProtoKey } from "../../../shared/protocol/proto-keys.ts";

export type ApiErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "revoked_device"
  | "payload_too_large"
  | "bad_signature"
  | "bad_public_key"
  | "unknown_token"
  | "expired_token"
  | "used_up_token"
  | "revoked_token"
  | "key_in_use"
  | "key_revoked"
  | "not_connected"
  | "refresh_timeout"
  | "agent_disconnected"
  | "snapshot_rejected"
  | "store_unavailable"
  | "internal";

export function apiError(c: Context, status: ContentfulStatusCode, code: ApiErrorCode, message: string, headers?: Record<string, string>) {
  return c.json({ error: { code, message } }, status, headers);
}

/** Reads and validates a JSON body; `null` means a 400 was already produced. */
export async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  let text: string;
  let value: unknown;
  try {
    text = await c.req.text();
    value = JSON.parse(text);
  } catch {
    return { ok: false, response: apiError(c, 400, "bad_request", "the request body is not valid JSON") };
  }
  // A stored document (a policy, a catalog) with such a key would read differently once copied.
  if (hasProtoKey(text, value)) return { ok: false, response: apiError(c, 400, "bad_request", 'the request body has a "__proto__" key') };
  return { ok: true, value };
}

export function zodMessage(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  const where = issue?.path.map(String).join(".") || "(body)";
  return `${where}: ${issue?.message ?? "invalid"}`;
}
