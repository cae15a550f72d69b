/**
 * Is this certificate one the device CA issued to a device, valid now? The answer names the device
 * (from its `urn:facet:device:` SAN); the caller then checks that the device is enrolled and not
 * revoked (a certificate outlives a revocation by up to its lifetime, so the check is the
 * caller's, on every use).
 *
 *   const result = deviceFromForwardedCertificate(deps.deviceCa, c.req.header("x-forwarded-client-cert"), deps.now());
 *   if (!result.ok) return deny(result.reason);           // missing, malformed, wrong_ca, expired, …
 *   const device = await deps.store.getDevice(result.deviceId); // revoked? unknown?
 *
 * The signature is checked against THIS CA's key, not just the issuer name: another CA (or a
 * self-signed certificate) can copy the issuer name and the device's SANs, but not the signature.
 */
import type { X509Certificate } from "node:crypto";
import type { DeviceCa } from "./authority.ts";
import { parseForwardedCertificate } from "./forwarded.ts";
import { deviceIdFromSubjectAltName } from "./names.ts";

const CLIENT_AUTH_OID = "1.3.6.1.5.5.7.3.2";

export type DeviceCertificateFailure = "missing" | "too_large" | "malformed" | "wrong_ca" | "expired" | "not_yet_valid" | "not_a_device_certificate";

export type DeviceCertificateCheck =
  | {
      ok: true;
      deviceId: string;
      /** Upper-case hex, as node:crypto and openssl print it. */
      serialNumber: string;
      /** Epoch ms. */
      notAfter: number;
      fingerprint256: string;
    }
  | { ok: false; reason: DeviceCertificateFailure; detail: string };

/** Messages safe to show an admin or put in an event; the reason codes are the stable part. */
const DETAILS: Record<Exclude<DeviceCertificateFailure, "missing" | "too_large" | "malformed">, string> = {
  wrong_ca: "the certificate was not issued by this connector's device CA",
  expired: "the device certificate has expired",
  not_yet_valid: "the device certificate is not valid yet",
  not_a_device_certificate: "the certificate does not name exactly one Facet device for client authentication",
};

export function verifyDeviceCertificate(ca: Pick<DeviceCa, "certificate">, cert: X509Certificate, now: number): DeviceCertificateCheck {
  // checkIssued: the issuer name (and key identifier) match the CA; verify: the CA's key signed it.
  let signedByCa = false;
  try {
    signedByCa = cert.checkIssued(ca.certificate) && cert.verify(ca.certificate.publicKey);
  } catch {
    signedByCa = false;
  }
  if (!signedByCa) return fail("wrong_ca");
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter)) return { ok: false, reason: "malformed", detail: "the certificate's validity dates do not parse" };
  if (now < notBefore) return fail("not_yet_valid");
  if (now > notAfter) return fail("expired");
  const deviceId = deviceIdFromSubjectAltName(cert.subjectAltName);
  // node:crypto's `keyUsage` is the extended key usage list (undefined when the extension is absent).
  const eku = cert.keyUsage as string[] | undefined;
  if (deviceId === null || cert.ca || (eku !== undefined && !eku.includes(CLIENT_AUTH_OID))) return fail("not_a_device_certificate");
  return { ok: true, deviceId, serialNumber: cert.serialNumber.toUpperCase(), notAfter, fingerprint256: cert.fingerprint256 };
}

/** The single entry for `POST /v1/endpoint/check`: the proxy's header value in, the device (or why not) out. */
export function deviceFromForwardedCertificate(ca: Pick<DeviceCa, "certificate">, headerValue: string | null | undefined, now: number): DeviceCertificateCheck {
  const parsed = parseForwardedCertificate(headerValue);
  if (!parsed.ok) return parsed;
  return verifyDeviceCertificate(ca, parsed.certificate, now);
}

function fail(reason: keyof typeof DETAILS): DeviceCertificateCheck {
  return { ok: false, reason, detail: DETAILS[reason] };
}
