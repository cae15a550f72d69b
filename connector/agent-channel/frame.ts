/**
 * Checks a parsed agent frame against the protocol schema (AgentFrameSchema), with a shortcut for
 * the one frame that arrives thousands of times a second: a well-formed `snapshot`.
 *
 * The shortcut is SnapshotFrameSchema compiled into a yes/no check (schema-check.ts), so it
 * accepts only frames the schema accepts (frame.test.ts checks it against zod on generated
 * frames), and it hands back the parsed object itself: its `body` string is passed through
 * untouched, never copied. Anything it does not accept, including every malformed frame, goes to
 * zod, so rejections and their messages are exactly the schema's.
 */
import { AgentFrameSchema, SnapshotFrameSchema, type AgentFrame, type SnapshotFrame } from "../../shared/protocol/messages.ts";
import { compileCheck } from "./schema-check.ts";

export type FrameCheck = { success: true; data: AgentFrame } | { success: false; where: string; message: string };

const snapshotFrameCheck = compileCheck(SnapshotFrameSchema);

/** The frame if it is a snapshot frame zod would accept as is, else null (then ask zod). */
export function wellFormedSnapshotFrame(json: unknown): SnapshotFrame | null {
  return snapshotFrameCheck?.(json) ? (json as SnapshotFrame) : null;
}

export function checkAgentFrame(json: unknown): FrameCheck {
  const snapshot = wellFormedSnapshotFrame(json);
  if (snapshot) return { success: true, data: snapshot };
  const frame = AgentFrameSchema.safeParse(json);
  if (frame.success) return { success: true, data: frame.data };
  const issue = frame.error.issues[0];
  return { success: false, where: issue?.path.join(".") || "(root)", message: issue?.message ?? "" };
}
