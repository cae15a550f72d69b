/**
 * Which device a sign-in is judged on, and whether it belongs to the user signing in.
 *
 * With a certificate (modes `required`, `optional`) the device is the one the connector's device
 * CA issued the browser's client certificate to: proven, not claimed. In `lookup` mode it is
 * named by id, serial, or the user's bound devices, and nothing proves the sign-in comes from it.
 *
 * A device belongs to a user only through a binding by an authority (store DeviceBinding: an
 * admin, a user-bound enrollment token, or the identity provider on a proven sign-in). What a
 * device reports about its users is never consulted here.
 */
import type { Device, DeviceBinding, Store } from "../store/types.ts";
import type { Clock } from "../options.ts";
import { noCertificatePresented, type EndpointCheck } from "./request.ts";

/** The result of checking a forwarded client certificate against the device CA. */
export type CertificateCheck =
  | { ok: true; deviceId: string; serialNumber: string; notAfter: number }
  | { ok: false; reason: "malformed" | "wrong_ca" | "expired" | "not_yet_valid" | "not_a_device_certificate"; detail: string };

export type CertificateVerifier = (forwarded: string, now: number) => Promise<CertificateCheck> | CertificateCheck;

/** Devices one username check weighs: bindings come only from authorities, so this is a safety bound, not a crowd-out. */
export const MAX_BOUND_DEVICES = 100;

export type RefusalReason =
  | "no_certificate"
  | "certificate_invalid"
  | "certificate_expired"
  | "unknown_device"
  | "revoked_device"
  | "not_bound"
  | "serial_ambiguous"
  | "no_device";

export type Identified =
  | { kind: "devices"; devices: Device[]; proof: "certificate" | "lookup"; certificate: { serialNumber: string; notAfter: number } | null; boundNow: boolean }
  /** `optional` mode and the browser presented no certificate: an unmanaged device, let through. */
  | { kind: "unmanaged" }
  | { kind: "refused"; reason: RefusalReason; detail: string; device: Device | null };

export interface IdentifyDeps {
  store: Store;
  now: Clock;
  verifyCertificate: CertificateVerifier;
  limits: { bindOnVerifiedSignIn: boolean };
}

const refused = (reason: RefusalReason, detail: string, device: Device | null = null): Identified => ({ kind: "refused", reason, detail, device });

const notBound = (device: Device, bindings: DeviceBinding[] | undefined, username: string): Identified =>
  refused("not_bound", `device ${device.id} is bound to ${(bindings ?? []).map((b) => b.username).join(", ") || "nobody"}, not to ${username}`, device);

const boundTo = (bindings: DeviceBinding[] | undefined, username: string) =>
  (bindings ?? []).some((b) => b.username.toLowerCase() === username.toLowerCase());

export async function identifyDevices(deps: IdentifyDeps, check: EndpointCheck): Promise<Identified> {
  return check.mode === "lookup" ? lookup(deps, check) : byCertificate(deps, check);
}

async function byCertificate(deps: IdentifyDeps, check: EndpointCheck): Promise<Identified> {
  if (noCertificatePresented(check.clientCertificate)) {
    return check.mode === "optional" ? { kind: "unmanaged" } : refused("no_certificate", "the browser presented no client certificate (or the proxy forwarded none)");
  }
  const now = deps.now();
  const cert = await deps.verifyCertificate(check.clientCertificate!, now);
  if (!cert.ok) return refused(cert.reason === "expired" || cert.reason === "not_yet_valid" ? "certificate_expired" : "certificate_invalid", `${cert.reason}: ${cert.detail}`);
  const device = await deps.store.getDevice(cert.deviceId);
  if (!device) return refused("unknown_device", `certificate ${cert.serialNumber} names device ${cert.deviceId}, which does not exist`);
  if (device.revokedAt !== null) return refused("revoked_device", `certificate ${cert.serialNumber} names device ${device.id}, revoked ${new Date(device.revokedAt).toISOString()}`, device);

  let boundNow = false;
  if (check.username !== undefined) {
    const bindings = (await deps.store.bindingsOf([device.id])).get(device.id);
    if (!boundTo(bindings, check.username)) {
      // Trust on first use, by the identity provider's word: only while the device has no binding
      // at all, so a second user can never attach themselves to someone else's device.
      if (!deps.limits.bindOnVerifiedSignIn || (bindings?.length ?? 0) > 0) {
        return notBound(device, bindings, check.username);
      }
      const outcome = await deps.store.bindUser(
        { deviceId: device.id, username: check.username, source: "idp", boundBy: "sign-in", boundAt: now },
        { type: "device.user_bound", at: now, deviceId: device.id, data: { username: check.username, source: "idp", by: "sign-in", certificate: cert.serialNumber } },
      );
      if (outcome !== "bound" && outcome !== "already_bound") return refused(outcome === "revoked_device" ? "revoked_device" : "unknown_device", `binding on sign-in failed: ${outcome}`, device);
      boundNow = true;
    }
  }
  return { kind: "devices", devices: [device], proof: "certificate", certificate: { serialNumber: cert.serialNumber, notAfter: cert.notAfter }, boundNow };
}

async function lookup(deps: IdentifyDeps, check: EndpointCheck): Promise<Identified> {
  let devices: Device[];
  if (check.device !== undefined) {
    const device = await deps.store.getDevice(check.device);
    if (!device) return refused("no_device", `no device ${check.device}`);
    if (device.revokedAt !== null) return refused("revoked_device", `device ${device.id} is revoked`, device);
    devices = [device];
  } else if (check.serial !== undefined) {
    // A serial is the device's own word: two live devices reporting one is a clone or a lie, and
    // neither may stand for the other.
    devices = await deps.store.listDevices({ serial: check.serial, limit: 2 });
    if (devices.length > 1) {
      await deps.store.recordEvent({ type: "device.serial_ambiguous", at: deps.now(), deviceId: null, data: { serial: check.serial, devices: devices.map((d) => d.id) } });
      return refused("serial_ambiguous", `more than one live device reports serial ${check.serial}`);
    }
    if (devices.length === 0) return refused("no_device", `no live device reports serial ${check.serial}`);
  } else {
    devices = (await deps.store.findDevicesBoundTo(check.username!)).slice(0, MAX_BOUND_DEVICES);
    if (devices.length === 0) return refused("no_device", `no device is bound to ${check.username}`);
    return { kind: "devices", devices, proof: "lookup", certificate: null, boundNow: false };
  }
  if (check.username !== undefined) {
    const device = devices[0]!;
    const bindings = (await deps.store.bindingsOf([device.id])).get(device.id);
    if (!boundTo(bindings, check.username)) {
      return notBound(device, bindings, check.username);
    }
  }
  return { kind: "devices", devices, proof: "lookup", certificate: null, boundNow: false };
}

/** What the person signing in reads for each refusal: short, and what to do next. */
export const REFUSAL_MESSAGES: Record<RefusalReason, string> = {
  no_certificate: "This browser did not identify a company device. Sign in from your work device with the Facet agent running, or contact IT.",
  certificate_invalid: "This browser presented a certificate that does not belong to an enrolled device. Sign in from your work device, or contact IT.",
  certificate_expired: "Your device's certificate has expired. Make sure the Facet agent is running on this device, wait a minute and try again.",
  unknown_device: "This device is not enrolled. Contact IT to enroll it.",
  revoked_device: "This device is no longer enrolled. Contact IT to enroll it again.",
  not_bound: "This device is not registered to you. Sign in from your own work device, or ask IT to assign this one to you.",
  serial_ambiguous: "This device could not be identified uniquely. Contact IT.",
  no_device: "No enrolled device is registered to you. Install the Facet agent on your work device, or contact IT.",
};
