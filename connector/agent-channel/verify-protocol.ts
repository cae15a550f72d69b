/** Messages between the verify pool (verify-pool.ts) and its threads (verify-worker.ts). */
import type { FrameVerdict } from "./frame-verdict.ts";

export interface VerifyRequest {
  id: number;
  /** The frame as received (a copy the thread may keep). */
  bytes: Uint8Array;
  /** The session's device key (raw Ed25519, base64), null before auth. */
  publicKey: string | null;
  /** For a compact snapshot frame: the device's latest stored body text (frame-verdict.ts). */
  latest?: string | null;
}

export type VerifyReply =
  | { ready: true }
  | { id: number; verdict: FrameVerdict }
  | { id: number; error: string };
