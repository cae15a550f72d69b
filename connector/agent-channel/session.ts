/**
 * One agent WebSocket connection, as a small state machine:
 *
 *   awaiting_auth ──auth ok──▶ ready ──close──▶ closed
 *        │                       │
 *        └── anything else, bad auth, auth timeout ──▶ error frame, close
 *
 * On open the connector sends `hello` with a fresh random nonce; the agent must answer with
 * `auth` (its device id and a signature over {deviceId, nonce}) before anything else. Once
 * ready, each `snapshot` goes through the ingest pipeline one at a time, in arrival order, and is
 * acked only after it is durably stored. A `certRequest` (ready only) is answered with a device
 * certificate from the device CA (connector/device-ca/issue.ts) or an error frame.
 *
 * Once ready, every frame is checked on a verify thread (verify-pool.ts): this thread only copies
 * its bytes there. The `auth` signature is checked there too, after the device read here. The ingest queue's read gate (read-gate.ts) stops reading this socket while too
 * many frames are waiting, across all agents, and the loop's read budget (read-turns.ts) while
 * this turn has read enough.
 */
import { randomBytes } from "node:crypto";
import type { WebSocket } from "ws";
import type { Logger } from "pino";
import { PROTOCOL_VERSION, type Auth, type CertRequest, type ConnectorFrame } from "../../shared/protocol/messages.ts";
import { CLOSE_CODES, type ErrorCode } from "../../shared/protocol/errors.ts";
import type { RenderedView, Store, StoredSnapshot } from "../store/types.ts";
import { addressSource, deviceSource, type RejectionEvents } from "../events/rejections.ts";
import type { ConnectorLimits } from "../options.ts";
import type { DeviceCa } from "../device-ca/authority.ts";
import { issueDeviceCertificate } from "../device-ca/issue.ts";
import type { AgentConnection, ConnectionHub } from "./hub.ts";
import { frameVerdict, type FrameVerdict } from "./frame-verdict.ts";
import { ingestSnapshot, type IngestContext, type SessionDevice } from "./ingest.ts";
import { latestBody, type LatestSnapshotSource } from "./expand-families.ts";
import { FAMILY_DIGESTS_FEATURE } from "../../shared/protocol/family-digests.ts";
import type { PublicKeyCache } from "./key-cache.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { ReadGate } from "./read-gate.ts";
import type { FrameVerifier } from "./verify-pool.ts";
import { ownedFrame } from "./owned-frame.ts";
import type { ConnectorMetrics } from "../metrics/index.ts";

export interface SessionContext extends IngestContext {
  store: Store;
  hub: ConnectionHub;
  limits: ConnectorLimits;
  log: Logger;
  /** Every event a session records is a rejection; they go through this per-source limiter. */
  rejections: RejectionEvents;
  /**
   * The connector's latest-facts lookup (connector/lookup/). An accepted snapshot goes in as it
   * is acked, so the device's next sign-in or GET does not read and parse it back.
   */
  lookup?: LatestSnapshotSource & { accepted(snapshot: StoredSnapshot, policyFacts?: string, view?: RenderedView): void };
  /** Signs the devices' certificates (`certRequest`). */
  deviceCa: DeviceCa;
  /** Counts snapshots accepted and refused (connector/metrics/). */
  metrics?: Pick<ConnectorMetrics, "snapshotAccepted" | "snapshotRejected">;
  /** Checks each frame and each `auth` signature off the main thread. */
  verifier: FrameVerifier;
  /** For the frames parsed here, before auth (they need no key). */
  keys: PublicKeyCache;
}

type State = "awaiting_auth" | "ready" | "closed";

const GATE = 1;
const TURN = 2;

export class ChannelSession implements AgentConnection {
  readonly nonce = randomBytes(32).toString("base64url");
  private state: State = "awaiting_auth";
  /** Read at auth; the snapshots need no device read of their own (see ingest.ts). */
  private device: SessionDevice | null = null;
  private readonly bucket: TokenBucket;
  /** Dropped once authenticated, so an idle session keeps no timer. */
  private authTimer: NodeJS.Timeout | undefined;
  private pendingFrames = 0;
  private work: Promise<void> = Promise.resolve();
  /** Whether this session's last snapshot frame was compact (verify below). */
  private lastSnapshotCompact = false;
  /** Set by the heartbeat; cleared when a pong arrives. */
  awaitingPong = false;
  /** Why the socket is not being read (GATE, TURN): it is read again once nothing holds it. */
  private holds = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: SessionContext,
    private readonly gate: ReadGate<ChannelSession>,
    readonly remoteAddress: string | undefined,
    /** Features the agent offered in its upgrade request (shared/protocol/family-digests.ts). */
    private readonly offered: readonly string[] = [],
  ) {
    this.bucket = new TokenBucket(ctx.limits.frameBurst, ctx.limits.framesPerSecond, ctx.now);
    this.authTimer = setTimeout(() => this.onAuthTimeout(), ctx.limits.authTimeoutMs);
    this.send({ type: "hello", protocol: PROTOCOL_VERSION, nonce: this.nonce, serverTime: new Date(ctx.now()).toISOString() });
  }

  get deviceId(): string {
    if (this.device === null) throw new Error("session is not authenticated");
    return this.device.id;
  }

  get authenticated(): boolean {
    return this.state === "ready";
  }

  /** A frame from the peer. */
  onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state === "closed") return;
    if (!this.bucket.take()) {
      void this.rejectFrame("rate_limited", "too many frames; slow down", CLOSE_CODES.rateLimited);
      return;
    }
    if (this.pendingFrames >= this.ctx.limits.maxPendingFrames) {
      void this.rejectFrame("rate_limited", "too many frames waiting to be processed", CLOSE_CODES.rateLimited);
      return;
    }
    if (isBinary) {
      void this.rejectFrame("malformed_frame", "frames must be JSON text, not binary", CLOSE_CODES.protocolViolation);
      return;
    }
    const bytes = ownedFrame(data);
    // One frame at a time, in order: acks follow seq order and the seq check sees the previous write.
    this.pendingFrames += 1;
    this.gate.enter(this);
    this.work = this.work
      .then(() => this.onFrame(bytes))
      .catch((error: unknown) => {
        this.ctx.log.error({ err: error, deviceId: this.device?.id }, "agent frame failed");
        this.sendError("internal", "the connector could not process the frame");
      })
      .finally(() => {
        this.pendingFrames -= 1;
        this.gate.leave();
      });
  }

  /** Stops reading the socket while the ingest queue is deep (read-gate.ts). */
  pause(): void {
    this.holdFor(GATE);
  }

  resume(): void {
    this.releaseFor(GATE);
  }

  /** Stops reading the socket until a later turn of the event loop (read-turns.ts). */
  hold(): void {
    this.holdFor(TURN);
  }

  release(): void {
    this.releaseFor(TURN);
  }

  /** Whether the socket is being read (nothing holds it). */
  get reading(): boolean {
    return this.holds === 0;
  }

  private holdFor(reason: number): void {
    if (this.holds === 0) this.ws.pause();
    this.holds |= reason;
  }

  private releaseFor(reason: number): void {
    if ((this.holds & reason) === 0) return;
    this.holds &= ~reason;
    if (this.holds !== 0) return;
    // Its pong may be among what was not read: the next heartbeat judges it afresh.
    this.awaitingPong = false;
    this.ws.resume();
  }

  private async onFrame(bytes: Uint8Array): Promise<void> {
    if (this.state === "closed") return;
    // Before auth there is no key to verify with and `auth` itself is small: it is parsed here, and
    // only its signature goes to a verify thread, once the device read found the key.
    const verdict = this.device ? await this.verify(bytes, this.device) : frameVerdict(bytes, null, this.ctx.keys);
    // The peer may have gone while the frame was being checked.
    if ((this.state as State) === "closed") return;
    switch (verdict.kind) {
      case "malformed":
        return this.rejectFrame("malformed_frame", verdict.message, this.state === "awaiting_auth" ? CLOSE_CODES.protocolViolation : undefined);
      case "frame":
        return verdict.frame.type === "auth" ? this.onAuth(verdict.frame) : this.onCertRequest(verdict.frame);
      case "snapshot":
        return this.onSnapshot(verdict);
    }
  }

  /**
   * A compact snapshot is checked with the latest stored body it was compacted against: at once
   * when this session's last snapshot was compact (an agent in steady state sends nothing else),
   * else once its thread has answered that the frame is compact. The frame is the session's to
   * give away: nothing reads it after its check.
   */
  private async verify(bytes: Uint8Array, device: SessionDevice): Promise<FrameVerdict> {
    const latest = this.lastSnapshotCompact ? await latestBody(this.ctx, device) : undefined;
    let verdict = await this.ctx.verifier.verify(bytes, device.publicKey, latest, true);
    if (verdict.kind === "compact") verdict = await this.ctx.verifier.verify(verdict.bytes, device.publicKey, await latestBody(this.ctx, device), true);
    if (verdict.kind === "snapshot") this.lastSnapshotCompact = verdict.compact === true;
    return verdict;
  }

  /** The socket closed, for whatever reason. */
  onClose(code: number): void {
    if (this.state === "closed") return;
    const wasReady = this.state === "ready";
    this.state = "closed";
    this.stopAuthTimer();
    if (wasReady) {
      this.ctx.hub.unregister(this);
      this.ctx.log.debug({ deviceId: this.device?.id, code }, "agent disconnected");
    }
  }

  sendRefresh(requestId: string): boolean {
    if (this.state !== "ready") return false;
    return this.send({ type: "refresh", requestId });
  }

  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.onClose(code);
    this.ws.close(code, reason.slice(0, 120));
  }

  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  /** Drops the peer without a closing handshake (it is not reading or not answering). */
  terminate(why: string): void {
    this.ctx.log.info({ deviceId: this.device?.id, remoteAddress: this.remoteAddress, why }, "dropping agent connection");
    this.onClose(1006);
    this.ws.terminate();
  }

  private async onAuth(auth: Auth): Promise<void> {
    if (this.state !== "awaiting_auth") {
      await this.rejectFrame("unexpected_message", "already authenticated", CLOSE_CODES.protocolViolation);
      return;
    }
    const device = await this.ctx.store.getDevice(auth.deviceId);
    const failure: [ErrorCode, string, number] | null = !device
      ? ["unknown_device", "no device with this id is enrolled", CLOSE_CODES.authFailed]
      : device.revokedAt !== null
        ? ["revoked_device", "the device has been revoked", CLOSE_CODES.revoked]
        : !(await this.ctx.verifier.verifyAuth({ deviceId: auth.deviceId, nonce: this.nonce, signature: auth.signature, publicKey: device.publicKey }))
          ? ["bad_signature", "the auth signature does not verify against the device key", CLOSE_CODES.authFailed]
          : null;
    if (failure || !device) {
      const [code, message, closeCode] = failure!;
      await this.record("agent.auth_failed", device ? auth.deviceId : null, { code, claimedDeviceId: auth.deviceId, remoteAddress: this.remoteAddress ?? null });
      this.sendError(code, message);
      this.close(closeCode, code);
      return;
    }
    if (this.state !== "awaiting_auth") return; // closed (timeout) while the lookup or the check ran
    this.stopAuthTimer();
    this.device = {
      id: device.id,
      publicKey: device.publicKey,
      lastSeq: device.lastSeq,
      serial: device.serial,
      machineId: device.machineId,
      hardwareUuid: device.hardwareUuid ?? null,
    };
    this.state = "ready";
    const previous = this.ctx.hub.register(this);
    if (previous && previous !== this) previous.close(CLOSE_CODES.replaced, "replaced by a newer connection");
    this.ctx.log.debug({ deviceId: device.id, agentVersion: auth.agentVersion }, "agent authenticated");
    const { limits } = this.ctx;
    this.send({
      type: "welcome",
      deviceId: device.id,
      interval: limits.snapshotIntervalSeconds,
      lastSeq: device.lastSeq,
      limits: {
        maxPayload: limits.maxPayload,
        maxClockSkewSeconds: limits.maxClockSkewSeconds,
        maxSnapshotAgeSeconds: limits.maxSnapshotAgeSeconds,
      },
      ...(this.offered.includes(FAMILY_DIGESTS_FEATURE) ? { features: [FAMILY_DIGESTS_FEATURE] } : {}),
    });
  }

  private async onSnapshot(frame: Extract<FrameVerdict, { kind: "snapshot" }>): Promise<void> {
    // The body was checked against the device key only if the session was ready when it was sent for checking.
    if (this.state !== "ready" || frame.body === null) {
      if (this.state === "awaiting_auth") await this.rejectFrame("unexpected_message", "authenticate before sending snapshots", CLOSE_CODES.protocolViolation);
      return;
    }
    const device = this.device!;
    const deviceId = device.id;
    const result = await ingestSnapshot(this.ctx, { device, nonce: this.nonce }, frame.body, frame.requestId);
    if (result.ok) {
      this.ctx.metrics?.snapshotAccepted();
      this.send({ type: "ack", seq: result.snapshot.seq, ...(frame.requestId ? { requestId: frame.requestId } : {}) });
      this.ctx.lookup?.accepted(result.snapshot, result.policyFacts, result.view);
      if (frame.requestId) this.ctx.hub.answered(deviceId, frame.requestId, result.snapshot);
      return;
    }
    this.ctx.metrics?.snapshotRejected(result.code);
    await this.record("snapshot.rejected", deviceId, { code: result.code, ...(result.seq !== undefined ? { seq: result.seq } : {}) });
    this.sendError(result.code, result.message, { seq: result.seq, requestId: frame.requestId });
    if (frame.requestId) this.ctx.hub.failed(deviceId, frame.requestId, result.code, result.message);
    if (result.closeCode !== undefined) this.close(result.closeCode, result.code);
  }

  private async onCertRequest(frame: CertRequest): Promise<void> {
    if (this.state !== "ready") {
      if (this.state === "awaiting_auth") await this.rejectFrame("unexpected_message", "authenticate before asking for a certificate", CLOSE_CODES.protocolViolation);
      return;
    }
    const deviceId = this.device!.id;
    const requestId = frame.requestId !== undefined ? { requestId: frame.requestId } : {};
    const result = await issueDeviceCertificate(this.ctx, deviceId, frame.csr);
    if (result.ok) {
      this.ctx.log.info({ deviceId, serialNumber: result.serialNumber, notAfter: new Date(result.notAfter).toISOString() }, "device certificate issued");
      this.send({ type: "certificate", certificate: result.certificatePem, notAfter: new Date(result.notAfter).toISOString(), ...requestId });
      return;
    }
    await this.record("certificate.rejected", deviceId, { code: result.code });
    this.sendError(result.code, result.message, requestId);
    if (result.code === "revoked_device" || result.code === "unknown_device") this.close(result.code === "revoked_device" ? CLOSE_CODES.revoked : CLOSE_CODES.authFailed, result.code);
  }

  private stopAuthTimer(): void {
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  /** The peer answered a heartbeat ping (the channel routes every socket's `pong` here). */
  onPong(): void {
    this.awaitingPong = false;
  }

  private onAuthTimeout(): void {
    if (this.state !== "awaiting_auth") return;
    void this.record("agent.auth_failed", null, { code: "auth_timeout", remoteAddress: this.remoteAddress ?? null });
    this.sendError("auth_timeout", `no valid auth within ${Math.round(this.ctx.limits.authTimeoutMs / 1000)} s`);
    this.close(CLOSE_CODES.authTimeout, "auth_timeout");
  }

  /** A frame rejected before it reached a handler: error frame, event, and optionally close. */
  private async rejectFrame(code: ErrorCode, message: string, closeCode?: number): Promise<void> {
    const type = this.state === "ready" ? "snapshot.rejected" : "agent.protocol_error";
    if (type === "snapshot.rejected") this.ctx.metrics?.snapshotRejected(code);
    // Recorded before the peer hears of it, so whoever sees the error can already read the event.
    await this.record(type, this.device?.id ?? null, { code, remoteAddress: this.remoteAddress ?? null });
    this.sendError(code, message);
    if (closeCode !== undefined) this.close(closeCode, code);
  }

  private sendError(code: ErrorCode, message: string, extra: { seq?: number | undefined; requestId?: string | undefined } = {}): void {
    this.send({
      type: "error",
      code,
      message,
      ...(extra.seq !== undefined ? { seq: extra.seq } : {}),
      ...(extra.requestId !== undefined ? { requestId: extra.requestId } : {}),
    });
  }

  private send(frame: ConnectorFrame): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    // A peer that stopped reading would make the connector buffer every frame for it forever.
    if (this.ws.bufferedAmount > this.ctx.limits.maxBufferedBytes) {
      this.terminate("send buffer full: the peer is not reading");
      return false;
    }
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Limited per authenticated device, else per remote address: a claimed device id is the attacker's choice. */
  private async record(type: string, deviceId: string | null, data: Record<string, unknown>): Promise<void> {
    const source = this.device !== null ? deviceSource(this.device.id) : addressSource(this.remoteAddress);
    await this.ctx.rejections.record({ type, at: this.ctx.now(), deviceId, data }, source);
  }
}
