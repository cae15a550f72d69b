/**
 * The device certificate and its key in the agent's state dir:
 *
 *   device-cert-key.pem   P-256 private key, PKCS#8 PEM, mode 0600, written atomically (temp file
 *                         created exclusively with 0600, fsync, rename), like the Ed25519 key
 *   device-cert.pem       the certificate the connector issued for that key, PEM, 0600
 *
 * The key is kept across renewals: a renewal certifies the same key again, so the two files can
 * never disagree after a crash between writes (the certificate is only ever written for the key
 * already on disk). A key file that is missing, unreadable, not P-256 or readable by others is
 * replaced by a fresh key, and the certificate for the old one is deleted with it.
 *
 * For the browser-store installer (agent/certificate/browser-stores.ts) and anyone else:
 * `readDeviceCertificate(stateDir)` gives the current pair, or undefined.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../identity/atomic-write.ts";
import { checkKeyFilePermissions } from "../identity/key-file.ts";
import type { Logger } from "../log.ts";
import { generateCertificateKey } from "./csr.ts";

export const DEVICE_CERT_FILES = { certificate: "device-cert.pem", key: "device-cert-key.pem" } as const;

/** PEM files are small; anything bigger is not ours. */
const MAX_PEM_BYTES = 16_384;

export interface DeviceCertificateFiles {
  certificatePem: string;
  keyPem: string;
  certificate: X509Certificate;
}

export function deviceCertificatePaths(stateDir: string): { certificate: string; key: string } {
  return { certificate: path.join(stateDir, DEVICE_CERT_FILES.certificate), key: path.join(stateDir, DEVICE_CERT_FILES.key) };
}

/** The key on disk if it is usable, else a fresh one (written 0600), the stale certificate removed. */
export function ensureCertificateKey(stateDir: string, log?: Logger): string {
  const paths = deviceCertificatePaths(stateDir);
  const existing = readUsableKey(paths.key, log);
  if (existing !== undefined) return existing;
  const keyPem = generateCertificateKey();
  // The certificate names the old key's public half: useless now, and misleading to an installer.
  rmSync(paths.certificate, { force: true });
  writeFileAtomic(paths.key, keyPem, 0o600);
  return keyPem;
}

/** Writes a certificate for the key on disk (the caller checked it matches). */
export function saveDeviceCertificate(stateDir: string, certificatePem: string): void {
  writeFileAtomic(deviceCertificatePaths(stateDir).certificate, certificatePem, 0o600);
}

/** The certificate and its key, when both are present, readable and belong together. */
export function readDeviceCertificate(stateDir: string, log?: Logger): DeviceCertificateFiles | undefined {
  const paths = deviceCertificatePaths(stateDir);
  if (!existsSync(paths.certificate)) return undefined;
  const keyPem = readUsableKey(paths.key, log);
  if (keyPem === undefined) return undefined;
  let certificatePem: string;
  let certificate: X509Certificate;
  try {
    certificatePem = readBounded(paths.certificate);
    certificate = new X509Certificate(certificatePem);
  } catch (err) {
    log?.warn({ file: paths.certificate, err: (err as Error).message }, "device certificate file is unreadable; a new one will be requested");
    return undefined;
  }
  return certificateMatchesKey(certificate, keyPem) ? { certificatePem, keyPem, certificate } : undefined;
}

export function certificateMatchesKey(certificate: X509Certificate, keyPem: string): boolean {
  try {
    return certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function readUsableKey(file: string, log?: Logger): string | undefined {
  if (!existsSync(file)) return undefined;
  const check = checkKeyFilePermissions(file);
  if (!check.ok) {
    log?.warn({ file, problem: check.problem }, "device certificate key is not private; replacing it with a new key");
    return undefined;
  }
  try {
    const keyPem = readBounded(file);
    const key = createPrivateKey(keyPem);
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error("not an ECDSA P-256 key");
    createPublicKey(key);
    return keyPem;
  } catch (err) {
    log?.warn({ file, err: (err as Error).message }, "device certificate key is unusable; replacing it with a new key");
    return undefined;
  }
}

function readBounded(file: string): string {
  const text = readFileSync(file, "utf8");
  if (text.length > MAX_PEM_BYTES) throw new Error(`${file} is larger than ${MAX_PEM_BYTES} bytes`);
  return text;
}
