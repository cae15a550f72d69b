/**
 * When the agent asks for a (new) device certificate: when it has none that fits (missing,
 * unreadable, for another key or another device), and when half its lifetime has passed, so a
 * week-long certificate is renewed after 3½ days and an agent offline for a while still renews
 * well before the browsers' copy expires.
 */
import type { X509Certificate } from "node:crypto";

export type RenewalStatus =
  | { due: true; why: "none" | "other_device" | "past_half_life" | "expired" }
  | { due: false; renewAt: number };

export function renewalStatus(certificate: X509Certificate | undefined, deviceId: string, now: number): RenewalStatus {
  if (certificate === undefined) return { due: true, why: "none" };
  if (!namesDevice(certificate, deviceId)) return { due: true, why: "other_device" };
  const notBefore = Date.parse(certificate.validFrom);
  const notAfter = Date.parse(certificate.validTo);
  if (!(now < notAfter)) return { due: true, why: "expired" };
  const renewAt = notBefore + (notAfter - notBefore) / 2;
  return now >= renewAt ? { due: true, why: "past_half_life" } : { due: false, renewAt };
}

/** The connector names the device in a `urn:facet:device:<id>` SAN URI (connector/device-ca/names.ts). */
export function namesDevice(certificate: X509Certificate, deviceId: string): boolean {
  return (certificate.subjectAltName ?? "").split(", ").includes(`URI:urn:facet:device:${deviceId}`);
}
