/**
 * The proof an `auth` frame carries: the device's signature over {deviceId, nonce}, the nonce being
 * the one this connection's `hello` sent. Checked on a verify thread (verify-pool.ts) like the
 * snapshots, so a fleet reconnecting at once does not run its signature checks on the event loop
 * that answers sign-ins.
 */
import { authPayload } from "../../shared/protocol/messages.ts";
import { canonicalBytes } from "../../shared/signing/canonical.ts";
import { verifySignature } from "../../shared/signing/verify.ts";
import type { PublicKeyCache } from "./key-cache.ts";

export interface AuthProof {
  deviceId: string;
  nonce: string;
  /** As the frame carries it (base64). */
  signature: string;
  /** The enrolled device's key (raw Ed25519, base64). */
  publicKey: string;
}

export function authSignatureValid(proof: AuthProof, keys: PublicKeyCache): boolean {
  return verifySignature("auth", canonicalBytes(authPayload(proof.deviceId, proof.nonce)), Buffer.from(proof.signature, "base64"), keys.get(proof.publicKey));
}
