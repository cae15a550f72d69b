/**
 * Keeps this device's certificate current over the connector session (agent/transport/session.ts):
 *
 *   welcome → attach(send) → due? (renewal.ts) → certRequest{csr, requestId} → certificate → save,
 *   install (install.ts), onCertificate → check again at half-life (or every checkEveryMs)
 *
 * An error answer or no answer within answerTimeoutMs retries with backoff (full jitter, 30 s
 * doubling to 1 h; at least 15 min after `certificate_rate_limited`). The session owns the socket
 * and ends everything on revocation; the keeper only ever sends `certRequest`.
 *
 * A received certificate is checked before it is kept: it must certify the key on disk and name
 * this device. Files: files.ts.
 */
import { randomBytes, X509Certificate } from "node:crypto";
import type { CertificateFrame, CertRequest, ErrorFrame } from "../../shared/protocol/messages.ts";
import type { Logger } from "../log.ts";
import { backoffDelay, type BackoffOptions } from "../transport/backoff.ts";
import { buildCertificateRequest } from "./csr.ts";
import { certificateMatchesKey, ensureCertificateKey, readDeviceCertificate, saveDeviceCertificate } from "./files.ts";
import { noopInstaller, type CertificateInstaller } from "./install.ts";
import { namesDevice, renewalStatus } from "./renewal.ts";

export const CERT_BACKOFF: BackoffOptions = { baseMs: 30_000, capMs: 3_600_000 };
const RATE_LIMITED_MIN_MS = 15 * 60_000;
const REQUEST_ID_PREFIX = "cert-";

export interface IssuedDeviceCertificate {
  certificatePem: string;
  keyPem: string;
  /** Epoch ms. */
  notAfter: number;
  serialNumber: string;
}

export interface CertificateKeeperOptions {
  stateDir: string;
  deviceId: string;
  log: Logger;
  now?: () => number;
  installer?: CertificateInstaller;
  /** Called after a new certificate is saved and handed to the installer. */
  onCertificate?: (issued: IssuedDeviceCertificate) => void;
  backoff?: BackoffOptions;
  /** A connected agent re-checks at least this often whether renewal is due. Default 1 h. */
  checkEveryMs?: number;
  /** A request unanswered this long is retried. Default 60 s. */
  answerTimeoutMs?: number;
}

export class DeviceCertificateKeeper {
  private readonly o: CertificateKeeperOptions;
  private send: ((frame: CertRequest) => boolean) | undefined;
  private pending: { requestId: string; keyPem: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private installedAtStart = false;

  constructor(options: CertificateKeeperOptions) {
    this.o = options;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** The session is authenticated: request now if due, then keep checking while attached. */
  attach(send: (frame: CertRequest) => boolean): void {
    this.send = send;
    if (!this.installedAtStart) {
      this.installedAtStart = true;
      const current = readDeviceCertificate(this.o.stateDir, this.o.log);
      const status = current && renewalStatus(current.certificate, this.o.deviceId, this.now());
      if (current && status && !(status.due && (status.why === "expired" || status.why === "other_device"))) void this.install(current.certificatePem, current.keyPem);
    }
    this.schedule(0);
  }

  /** The session ended: stop timers; an unanswered request is forgotten (the next session asks again). */
  detach(): void {
    this.send = undefined;
    this.pending = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** True when `frame` answers this keeper's request (the session then does nothing else with it). */
  handleError(frame: ErrorFrame): boolean {
    if (frame.requestId === undefined || !frame.requestId.startsWith(REQUEST_ID_PREFIX)) return false;
    if (this.pending?.requestId !== frame.requestId) return true;
    this.pending = undefined;
    this.o.log.warn({ code: frame.code, message: frame.message }, "the connector refused the device certificate request");
    this.retryLater(frame.code === "certificate_rate_limited" ? RATE_LIMITED_MIN_MS : 0);
    return true;
  }

  async handleCertificate(frame: CertificateFrame): Promise<void> {
    const pending = this.pending;
    if (!pending || frame.requestId !== pending.requestId) {
      this.o.log.warn({ requestId: frame.requestId }, "ignoring a device certificate this agent did not ask for");
      return;
    }
    this.pending = undefined;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(frame.certificate);
    } catch {
      this.o.log.error("the connector sent a device certificate that does not parse");
      this.retryLater(0);
      return;
    }
    if (!certificateMatchesKey(certificate, pending.keyPem) || !namesDevice(certificate, this.o.deviceId)) {
      this.o.log.error("the connector sent a device certificate for another key or another device; not keeping it");
      this.retryLater(0);
      return;
    }
    saveDeviceCertificate(this.o.stateDir, frame.certificate);
    this.failures = 0;
    const issued: IssuedDeviceCertificate = {
      certificatePem: frame.certificate,
      keyPem: pending.keyPem,
      notAfter: Date.parse(certificate.validTo),
      serialNumber: certificate.serialNumber.toUpperCase(),
    };
    this.o.log.info({ serialNumber: issued.serialNumber, notAfter: certificate.validTo }, "device certificate received and saved");
    await this.install(issued.certificatePem, issued.keyPem);
    try {
      this.o.onCertificate?.(issued);
    } catch (err) {
      this.o.log.error({ err: (err as Error).message }, "onCertificate hook failed");
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.send) return;
    // setTimeout's limit is 2^31-1 ms (~24.8 days); past it Node fires at once.
    this.timer = setTimeout(() => void this.tick(), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (!this.send || this.pending) return;
    const current = readDeviceCertificate(this.o.stateDir, this.o.log);
    const status = renewalStatus(current?.certificate, this.o.deviceId, this.now());
    if (!status.due) {
      this.schedule(Math.min(this.o.checkEveryMs ?? 3_600_000, status.renewAt - this.now()));
      return;
    }
    try {
      await this.request(status.why);
    } catch (err) {
      this.o.log.error({ err: (err as Error).message }, "could not build the device certificate request");
      this.retryLater(0);
    }
  }

  private async request(why: string): Promise<void> {
    const keyPem = ensureCertificateKey(this.o.stateDir, this.o.log);
    const csr = await buildCertificateRequest(keyPem, this.o.deviceId);
    if (!this.send) return;
    const requestId = `${REQUEST_ID_PREFIX}${randomBytes(8).toString("hex")}`;
    this.pending = { requestId, keyPem };
    this.o.log.info({ why }, "asking the connector for a device certificate");
    if (!this.send({ type: "certRequest", csr, requestId })) {
      this.pending = undefined;
      return; // the socket is closing; the next session asks again
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.pending?.requestId !== requestId) return;
      this.pending = undefined;
      this.o.log.warn("no answer to the device certificate request; retrying later");
      this.retryLater(0);
    }, this.o.answerTimeoutMs ?? 60_000);
    this.timer.unref?.();
  }

  private retryLater(atLeastMs: number): void {
    const delay = Math.max(atLeastMs, backoffDelay(this.failures, this.o.backoff ?? CERT_BACKOFF));
    this.failures += 1;
    this.schedule(delay);
  }

  private async install(certPem: string, keyPem: string): Promise<void> {
    try {
      await (this.o.installer ?? noopInstaller).install(certPem, keyPem);
    } catch (err) {
      this.o.log.error({ err: (err as Error).message }, "installing the device certificate failed");
    }
  }
}
