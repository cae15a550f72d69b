/**
 * Connector-side verification with node:crypto's native Ed25519 (about 50× tweetnacl's rate),
 * which matters because every snapshot of every device passes through here. node:crypto accepts
 * small-order keys and commitments, so the strict encoding rules (strict.ts) come first: a weak
 * key never becomes a KeyObject, and a signature with a small-order R or S ≥ L never verifies.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { domainMessage, type SigningDomain } from "./domains.ts";
import { isStrictSignature, weakPublicKeyReason } from "./strict.ts";

/** DER prefix of an SPKI-wrapped Ed25519 key: the raw 32 bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export class WeakPublicKeyError extends RangeError {}

/** The key as node:crypto uses it; throws WeakPublicKeyError for a key strict.ts refuses. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  const weak = weakPublicKeyReason(raw);
  if (weak !== null) throw new WeakPublicKeyError(`the Ed25519 public key ${weak}`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export function verifySignature(
  domain: SigningDomain,
  /** The signed bytes, or a text whose UTF-8 was signed. */
  body: Uint8Array | string,
  signature: Uint8Array,
  /** null: a key that could not be used (a weak key already stored); nothing verifies against it. */
  publicKey: KeyObject | null,
): boolean {
  return verifyMessage(domainMessage(domain, body), signature, publicKey);
}

/** verifySignature for a message already prefixed with its domain (domains.ts's domainMessage). */
export function verifyMessage(message: Uint8Array, signature: Uint8Array, publicKey: KeyObject | null): boolean {
  if (publicKey === null || !isStrictSignature(signature)) return false;
  return cryptoVerify(null, message, publicKey, signature);
}
