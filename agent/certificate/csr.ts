/**
 * The device certificate's key and its PKCS#10 request.
 *
 * The key is ECDSA P-256: what browsers and OS keystores use for TLS client authentication (not the
 * device's Ed25519 identity key, which they cannot use and which must never leave the agent's
 * state dir). The request is signed with it, which proves to the connector that the agent holds
 * the key; the names in it are informational, the connector writes its own (device-ca/issue.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto } from "node:crypto";
import { ECDSA_P256, loadX509 } from "../../shared/x509/library.ts";

/** A fresh P-256 private key, PKCS#8 PEM (what NSS, the macOS keychain and Windows import). */
export function generateCertificateKey(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

/** A PEM certificate request for `keyPem`, naming the device in its subject. */
export async function buildCertificateRequest(keyPem: string, deviceId: string): Promise<string> {
  const x509 = await loadX509();
  const privateKey = createPrivateKey(keyPem);
  const subtle = webcrypto.subtle;
  const keys = {
    privateKey: await subtle.importKey("pkcs8", privateKey.export({ type: "pkcs8", format: "der" }), ECDSA_P256, false, ["sign"]),
    publicKey: await subtle.importKey("spki", createPublicKey(privateKey).export({ type: "spki", format: "der" }), ECDSA_P256, true, ["verify"]),
  };
  const request = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [deviceId] }], keys, signingAlgorithm: ECDSA_P256 });
  return request.toString("pem") + "\n";
}
