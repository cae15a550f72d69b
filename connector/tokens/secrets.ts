/**
 * Bearer secrets: 256 bits from the CSPRNG, with a prefix naming the kind so a leaked token is
 * recognisable (secret scanners, logs). At rest only the SHA-256 digest is kept: with 256 bits of
 * entropy there is nothing to brute-force, so a slow or salted hash would add cost, not safety.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";

export const TOKEN_PREFIX = { api: "fct_", enroll: "fce_" } as const;

export function newSecret(kind: keyof typeof TOKEN_PREFIX): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Public identifiers for tokens: safe to log and show, useless to authenticate. */
export function newTokenId(): string {
  return `tok_${randomBytes(9).toString("base64url")}`;
}

export function newDeviceId(): string {
  return randomUUID();
}
