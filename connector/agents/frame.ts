/**
 * Checks a parsed agent frame against the protocol schema (AgentFrameSchema), with a shortcut for
 * the one frame that arrives thousands of times a second: a well-formed `snapshot`.
 *
 * The shortcut accepts only frames the schema accepts (same keys, same bounds, same base64
 * pattern; frame.test.ts checks it against zod on generated frames) and hands back the parsed
 * object itself — its `body` string is passed through untouched, never copied. Anything it does
 * not accept, including every malformed frame, goes to zod, so rejections and their messages are
 * exactly the schema's.
 */
import { AgentFrameSchema, type AgentFrame, type SnapshotFrame } from "../../shared/protocol/messages.ts";

export type FrameCheck = { success: true; data: AgentFrame } | { success: false; where: string; message: string };

// The bounds of SnapshotFrameSchema (shared/protocol/messages.ts).
const BASE64 = /^[A-Za-z0-9+/_=-]*$/;
const MAX_SIGNATURE = 128;
const MAX_REQUEST_ID = 128;
const MIN_BODY = 2;

/** The frame if it is a snapshot frame zod would accept as is, else null (then ask zod). */
export function wellFormedSnapshotFrame(json: unknown): SnapshotFrame | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  if (o.type !== "snapshot") return null;
  const { body, signature, requestId } = o;
  if (typeof body !== "string" || body.length < MIN_BODY) return null;
  if (typeof signature !== "string" || signature.length > MAX_SIGNATURE || !BASE64.test(signature)) return null;
  let keys = 3;
  if (requestId !== undefined) {
    if (typeof requestId !== "string" || requestId.length > MAX_REQUEST_ID) return null;
    keys = 4;
  }
  // Strict object: no other key (an own "__proto__" from JSON.parse counts as one, and fails).
  // With the known keys present, equal counts mean no stranger among them.
  if (Object.getPrototypeOf(o) !== Object.prototype || Object.keys(o).length !== keys) return null;
  return o as SnapshotFrame;
}

export function checkAgentFrame(json: unknown): FrameCheck {
  const snapshot = wellFormedSnapshotFrame(json);
  if (snapshot) return { success: true, data: snapshot };
  const frame = AgentFrameSchema.safeParse(json);
  if (frame.success) return { success: true, data: frame.data };
  const issue = frame.error.issues[0];
  return { success: false, where: issue?.path.join(".") || "(root)", message: issue?.message ?? "" };
}
