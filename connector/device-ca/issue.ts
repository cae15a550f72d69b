/**
 * Issues a device certificate from the agent's PKCS#10 request. The request arrives over the
 * agent's Ed25519-authenticated session, which is what proves WHICH device asks; the CSR's own
 * signature proves the agent holds the P-256 key it wants certified. Everything the certificate
 * says comes from the session and the store, nothing from the CSR's subject or requested
 * extensions (an agent cannot ask for another device's name, a CA bit or a server usage).
 *
 * Refused: an unknown or revoked device (the row is read again here, not taken from the session:
 * a revocation during a long session must stop issuance), a CSR that is too big, does not parse,
 * is not P-256, or whose signature does not verify, and more than `deviceCertsPerHour` issued to
 * one device in the last hour (counted from `device.certificate_issued` events, so the limit holds
 * across replicas and restarts).
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import type { ErrorCode } from "../../shared/protocol/errors.ts";
import { ECDSA_P256, loadX509 } from "../../shared/x509/library.ts";
import type { ConnectorLimits } from "../options.ts";
import type { Store } from "../store/types.ts";
import { randomSerial, type DeviceCa } from "./authority.ts";
import { deviceSanUris } from "./names.ts";

/** A P-256 CSR is ~250–450 bytes of DER; 4 KiB bounds what is parsed from a device. */
export const MAX_CSR_BYTES = 4096;
export const CERTIFICATE_ISSUED_EVENT = "device.certificate_issued";
/** Browsers and proxies whose clocks run a little behind the connector still accept a fresh certificate. */
const BACKDATE_MS = 5 * 60_000;

export interface IssueContext {
  store: Pick<Store, "getDevice" | "recordEvent" | "listEvents">;
  deviceCa: DeviceCa;
  now: () => number;
  limits: Pick<ConnectorLimits, "deviceCertDays" | "deviceCertsPerHour">;
}

export type IssueResult =
  | { ok: true; certificatePem: string; serialNumber: string; notAfter: number }
  | { ok: false; code: Extract<ErrorCode, "bad_csr" | "unknown_device" | "revoked_device" | "certificate_rate_limited">; message: string };

export async function issueDeviceCertificate(ctx: IssueContext, deviceId: string, csr: string): Promise<IssueResult> {
  const der = csrDer(csr);
  if (der === null) return { ok: false, code: "bad_csr", message: "the CSR is neither PEM nor base64 DER" };
  if (der.length > MAX_CSR_BYTES) return { ok: false, code: "bad_csr", message: `the CSR is larger than ${MAX_CSR_BYTES} bytes` };
  const x509 = await loadX509();
  let request: InstanceType<typeof x509.Pkcs10CertificateRequest>;
  try {
    request = new x509.Pkcs10CertificateRequest(new Uint8Array(der));
  } catch {
    return { ok: false, code: "bad_csr", message: "the CSR is not a PKCS#10 certificate request" };
  }
  const key = createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: "der", type: "spki" });
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    return { ok: false, code: "bad_csr", message: "the CSR's key is not ECDSA P-256" };
  }
  let proven = false;
  try {
    proven = await request.verify();
  } catch {
    proven = false;
  }
  if (!proven) return { ok: false, code: "bad_csr", message: "the CSR's signature does not verify: it was not signed with the key it names" };

  const now = ctx.now();
  const device = await ctx.store.getDevice(deviceId);
  if (!device) return { ok: false, code: "unknown_device", message: "no device with this id is enrolled" };
  if (device.revokedAt !== null) return { ok: false, code: "revoked_device", message: "the device has been revoked" };
  const recent = await ctx.store.listEvents({ types: [CERTIFICATE_ISSUED_EVENT], deviceId, since: now - 3_600_000, limit: ctx.limits.deviceCertsPerHour });
  if (recent.length >= ctx.limits.deviceCertsPerHour) {
    return { ok: false, code: "certificate_rate_limited", message: `at most ${ctx.limits.deviceCertsPerHour} certificates per device per hour; try again later` };
  }

  const { signer, certificate: caCert } = ctx.deviceCa;
  const issuer = new x509.X509Certificate(new Uint8Array(caCert.raw));
  // Never past the CA's own end: a chain is only as valid as its shortest link.
  const notAfter = Math.min(now + ctx.limits.deviceCertDays * 86_400_000, Date.parse(caCert.validTo));
  const publicKey = await request.publicKey.export(ECDSA_P256, ["verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [deviceId] }],
    issuer: issuer.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    publicKey,
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension(deviceSanUris(deviceId).map((value) => ({ type: "url" as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(issuer, false),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  const certificatePem = cert.toString("pem") + "\n";
  const serialNumber = new X509Certificate(certificatePem).serialNumber.toUpperCase();
  // Validity is second-granular in the certificate; report what it says, not what was asked.
  const issuedNotAfter = cert.notAfter.getTime();
  await ctx.store.recordEvent({ type: CERTIFICATE_ISSUED_EVENT, at: now, deviceId, data: { serialNumber, notAfter: new Date(issuedNotAfter).toISOString() } });
  return { ok: true, certificatePem, serialNumber, notAfter: issuedNotAfter };
}

/** PEM (`CERTIFICATE REQUEST`, or the older `NEW CERTIFICATE REQUEST`) or bare base64 DER. */
function csrDer(text: string): Buffer | null {
  const pem = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([\s\S]*?)-----END (?:NEW )?CERTIFICATE REQUEST-----/.exec(text);
  const body = (pem ? pem[1]! : text).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return null;
  return Buffer.from(body, "base64");
}
