/**
 * Bearer secrets: 256 bits from the CSPRNG, with a prefix naming the kind so a leaked token is
 * recognisable (secret scanners, logs). At rest only the SHA-256 digest is kept: with 256 bits of
 * entropy there is nothing to brute-force, so a slow or salted hash would add cost, not safety.
 */
import * as crypto from "node:crypto";
import { createHash, randomBytes, randomUUID } from "node:crypto";

export const TOKEN_PREFIX = { api: "fct_", enroll: "fce_" } as const;

export function newSecret(kind: keyof typeof TOKEN_PREFIX): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString("base64url");
}

// The one-shot `crypto.hash` (Node ≥ 20.12) skips the Hash object: a third of the cost of
// createHash on every authenticated request. Same digest either way.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

export function hashSecret(secret: string): string {
  return oneShot ? oneShot("sha256", secret, "hex") : createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Public identifiers for tokens: safe to log and show, useless to authenticate. */
export function newTokenId(): string {
  return `tok_${randomBytes(9).toString("base64url")}`;
}

export function newDeviceId(): string {
  return randomUUID();
}
