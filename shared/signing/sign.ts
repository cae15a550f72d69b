/** Agent-side Ed25519 with tweetnacl: key generation and detached signatures. */
import nacl from "tweetnacl";
import { domainMessage, type SigningDomain } from "./domains.ts";

export interface DeviceKeyPair {
  /** 32-byte raw Ed25519 public key. */
  publicKey: Uint8Array;
  /** tweetnacl's 64-byte secret key (seed followed by the public key). */
  secretKey: Uint8Array;
}

export function generateKeyPair(): DeviceKeyPair {
  return nacl.sign.keyPair();
}

export function keyPairFromSeed(seed: Uint8Array): DeviceKeyPair {
  return nacl.sign.keyPair.fromSeed(seed);
}

export function sign(domain: SigningDomain, body: Uint8Array, secretKey: Uint8Array): Buffer {
  return Buffer.from(nacl.sign.detached(domainMessage(domain, body), secretKey));
}

export function verifyWithTweetnacl(
  domain: SigningDomain,
  body: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== nacl.sign.signatureLength || publicKey.length !== nacl.sign.publicKeyLength) return false;
  return nacl.sign.detached.verify(domainMessage(domain, body), signature, publicKey);
}
