/** Messages between the verify pool (verify-pool.ts) and its threads (verify-worker.ts), and what a thread does with each. */
import { frameVerdict, type FrameVerdict } from "./frame-verdict.ts";
import { authSignatureValid, type AuthProof } from "./auth-signature.ts";
import type { PublicKeyCache } from "./key-cache.ts";
import type { LatestBody } from "./expand-families.ts";

export type VerifyTask =
  | {
      kind: "frame";
      /** The frame as received (a copy the thread may keep, or the frame itself, moved: see verify-pool.ts). */
      bytes: Uint8Array;
      /** The session's device key (raw Ed25519, base64), null before auth. */
      publicKey: string | null;
      /** For a compact snapshot frame: the device's latest stored body (frame-verdict.ts). */
      latest?: LatestBody | null | undefined;
    }
  /** An `auth` frame's signature: answered true when it verifies. */
  | { kind: "auth"; proof: AuthProof };

/** A frame task is answered with its verdict, an auth task with a boolean. */
export type VerifyResult = FrameVerdict | boolean;

export interface VerifyRequest {
  id: number;
  task: VerifyTask;
}

export type VerifyReply =
  | { ready: true }
  | { id: number; result: VerifyResult }
  | { id: number; error: string };

/** The one place a task is run: on a thread, or on the main thread when the pool has none. */
export function runVerifyTask(task: VerifyTask, keys: PublicKeyCache): VerifyResult {
  return task.kind === "frame" ? frameVerdict(task.bytes, task.publicKey, keys, task.latest) : authSignatureValid(task.proof, keys);
}
