/**
 * Connector-side verification with node:crypto's native Ed25519 (about 50× tweetnacl's rate),
 * which matters because every snapshot of every device passes through here.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { domainMessage, type SigningDomain } from "./domains.ts";

/** DER prefix of an SPKI-wrapped Ed25519 key: the raw 32 bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError(`Ed25519 public key must be 32 bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export function verifySignature(
  domain: SigningDomain,
  body: Uint8Array,
  signature: Uint8Array,
  publicKey: KeyObject,
): boolean {
  if (signature.length !== 64) return false;
  return cryptoVerify(null, domainMessage(domain, body), publicKey, signature);
}
