/**
 * Device key pairs for simulated agents, made with node:crypto (tens of thousands per second) and
 * kept as the raw 32-byte seed and public key a real agent stores, plus a ready KeyObject so
 * signing at run time costs one native call.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from "node:crypto";

/** DER prefix of a PKCS#8-wrapped Ed25519 private key: the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const ED25519_SPKI_PREFIX_LENGTH = 12;

export interface BenchKey {
  seed: Buffer;
  publicKeyRaw: Buffer;
  privateKey: KeyObject;
}

export function generateBenchKey(): BenchKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(ED25519_PKCS8_PREFIX.length);
  const publicKeyRaw = publicKey.export({ format: "der", type: "spki" }).subarray(ED25519_SPKI_PREFIX_LENGTH);
  return { seed: Buffer.from(seed), publicKeyRaw: Buffer.from(publicKeyRaw), privateKey };
}

/** Rebuilds a key from its seed (how keys cross into load-generator processes). */
export function benchKeyFromSeed(seed: Buffer, publicKeyRaw: Buffer): BenchKey {
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  return { seed, publicKeyRaw, privateKey };
}
