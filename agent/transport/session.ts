/**
 * One WebSocket session with the connector, from connect to close:
 *
 *   hello{nonce} → auth{signature over nonce} → welcome{interval, lastSeq, limits}
 *   → snapshot (the unacknowledged one, re-signed for this nonce, or a fresh one) → ack
 *   → a snapshot every interval, and one per `refresh{requestId}`, until the socket closes.
 *
 * Every incoming frame is parsed with the shared zod schemas; a frame that does not parse is
 * logged and ignored, never a crash. Snapshots are sent one at a time from a queue so `seq` is
 * reserved in order, and each seq is on disk (fsync) before its frame leaves. The unacknowledged
 * snapshot lives in a `PendingSlot` the reconnect loop hands to every session. After welcome the
 * device certificate keeper (agent/certificate/keeper.ts), when given, asks for a certificate over
 * the same session; `certificate` frames and errors answering its requests go to it. The session ends
 * with an outcome the reconnect loop acts on: reconnect, stop for good (revoked/unknown device),
 * or stop because the agent is shutting down.
 */
import WebSocket, { type RawData } from "ws";
import type { Collected } from "../collectors/types.ts";
import type { DeviceKeyPair } from "../../shared/signing/sign.ts";
import { sign } from "../../shared/signing/sign.ts";
import { canonicalBytes } from "../../shared/signing/canonical.ts";
import { CLOSE_CODES } from "../../shared/protocol/errors.ts";
import {
  authPayload,
  ConnectorFrameSchema,
  type Auth,
  type ConnectorFrame,
  type ErrorFrame,
  type Hello,
  type SnapshotFrame,
  type Welcome,
} from "../../shared/protocol/messages.ts";
import type { SnapshotBody } from "../../shared/protocol/snapshot.ts";
import type { DeviceCertificateKeeper } from "../certificate/keeper.ts";
import { AgentError } from "../errors.ts";
import type { StateStore } from "../identity/state-file.ts";
import type { Logger } from "../log.ts";
import { buildSnapshotBody, signSnapshot, snapshotFrameBytes, type SnapshotContent } from "../snapshot/build.ts";
import { fitToPayload } from "../snapshot/fit.ts";
import { familyStates, type FamilyBaseline } from "../snapshot/baseline.ts";
import { AGENT_FEATURES_HEADER, FAMILY_DIGESTS_FEATURE } from "../../shared/protocol/family-digests.ts";
import type { PendingSlot, PendingSnapshot } from "../snapshot/pending.ts";
import { withFacetVendor } from "../snapshot/vendor.ts";
import { AGENT_VERSION } from "../version.ts";

export interface SessionOptions {
  /** `ws(s)://host:port/v1/agent` */
  url: string;
  /** Extra CA (PEM) for `wss://`. */
  ca?: string;
  state: StateStore;
  keyPair: DeviceKeyPair;
  /** The unacknowledged snapshot; it outlives the session so the next one can resend it. */
  pending: PendingSlot;
  /** The families of the last acked snapshot; it outlives the session. Without it every snapshot is full. */
  baseline?: FamilyBaseline;
  collect: () => Promise<Collected>;
  log: Logger;
  signal: AbortSignal;
  now?: () => Date;
  /** Ping period; a connection that answers nothing for a whole period is dead. Default 30 s. */
  heartbeatMs?: number;
  /** Time allowed for connect + hello + welcome. Default 20 s. */
  handshakeTimeoutMs?: number;
  /** Used only until the connector's welcome names its own interval. Default 900 s. */
  defaultIntervalSeconds?: number;
  /** The largest frame the agent accepts from the connector. Default 1 MiB. */
  maxIncomingBytes?: number;
  /** Notified of milestones (welcome, ack, …): for status displays and tests. */
  onEvent?: (event: SessionEvent) => void;
  /** Keeps the device certificate current while the session is ready. */
  certificates?: Pick<DeviceCertificateKeeper, "attach" | "detach" | "handleCertificate" | "handleError">;
}

export type SessionEvent =
  | { type: "welcome"; welcome: Welcome }
  | { type: "sent"; seq: number; requestId?: string; resend: boolean; bytes: number; /** Families sent as digests. */ digested: string[]; /** Lists sent as edits. */ patched: string[] }
  | { type: "ack"; seq: number }
  | { type: "rejected"; code: string; message: string; seq?: number };

export type SessionOutcome =
  | { kind: "closed"; welcomed: boolean; reason: string }
  | { kind: "fatal"; error: AgentError }
  | { kind: "aborted" };

const FATAL_CODES = new Set(["revoked_device", "unknown_device"]);
/** Resending after this many consecutive replayed_seq errors would loop; reconnect instead. */
const MAX_REPLAYS_PER_SESSION = 3;

export function runSession(options: SessionOptions): Promise<SessionOutcome> {
  return new AgentSession(options).run();
}

type Phase = "connecting" | "hello" | "welcome" | "ready" | "closed";

class AgentSession {
  private readonly o: SessionOptions;
  private readonly log: Logger;
  private ws?: WebSocket;
  private phase: Phase = "connecting";
  private nonce = "";
  private welcome?: Welcome;
  private queue: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private alive = true;
  private replays = 0;
  /** The connector's welcome listed `family-digests`. */
  private digestsAccepted = false;
  private outcome?: SessionOutcome;
  private finish!: (outcome: SessionOutcome) => void;

  constructor(options: SessionOptions) {
    this.o = options;
    this.log = options.log.child({ deviceId: options.state.current.deviceId });
  }

  run(): Promise<SessionOutcome> {
    return new Promise<SessionOutcome>((resolve) => {
      this.finish = resolve;
      if (this.o.signal.aborted) return this.end({ kind: "aborted" });
      this.o.signal.addEventListener("abort", this.onAbort, { once: true });
      this.connect();
    });
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  private connect(): void {
    const handshakeMs = this.o.handshakeTimeoutMs ?? 20_000;
    this.log.info({ url: this.o.url }, "connecting to the connector");
    const ws = new WebSocket(this.o.url, {
      handshakeTimeout: handshakeMs,
      maxPayload: this.o.maxIncomingBytes ?? 1024 * 1024,
      perMessageDeflate: false,
      headers: { [AGENT_FEATURES_HEADER]: FAMILY_DIGESTS_FEATURE },
      ...(this.o.ca !== undefined ? { ca: this.o.ca } : {}),
    });
    this.ws = ws;
    this.timers.push(
      setTimeout(() => {
        if (this.phase !== "ready" && this.phase !== "closed") this.drop(`no welcome within ${handshakeMs} ms`);
      }, handshakeMs),
    );
    ws.on("open", () => {
      this.phase = "hello";
      this.startHeartbeat();
    });
    ws.on("message", (data, isBinary) => {
      this.alive = true;
      this.onMessage(data, isBinary);
    });
    ws.on("ping", () => (this.alive = true));
    ws.on("pong", () => (this.alive = true));
    ws.on("error", (err) => {
      // ws emits `close` after `error`; the close handler ends the session.
      this.log.warn({ err: err.message }, "connection error");
    });
    ws.on("close", (code, reason) => this.onClose(code, reason.toString("utf8")));
  }

  private startHeartbeat(): void {
    const period = this.o.heartbeatMs ?? 30_000;
    const timer = setInterval(() => {
      if (!this.alive) {
        this.drop(`no answer to ping within ${period} ms; treating the connection as dead`);
        return;
      }
      this.alive = false;
      try {
        this.ws?.ping();
      } catch {
        // The close handler deals with a socket that is already going away.
      }
    }, period);
    this.timers.push(timer);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.log.warn("ignoring a binary frame: the protocol uses JSON text frames");
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      this.log.warn({ bytes: rawLength(data) }, "ignoring a frame that is not JSON");
      return;
    }
    const parsed = ConnectorFrameSchema.safeParse(json);
    if (!parsed.success) {
      const type = json && typeof json === "object" ? (json as { type?: unknown }).type : undefined;
      this.log.warn({ type: typeof type === "string" ? type.slice(0, 32) : undefined, issues: parsed.error.issues.length }, "ignoring a frame that does not match the protocol");
      return;
    }
    this.onFrame(parsed.data);
  }

  private onFrame(frame: ConnectorFrame): void {
    switch (frame.type) {
      case "hello":
        return this.onHello(frame);
      case "welcome":
        return this.onWelcome(frame);
      case "ack":
        return this.onAck(frame.seq);
      case "refresh":
        if (this.phase !== "ready") return this.unexpected(frame.type);
        this.log.info({ requestId: frame.requestId }, "connector asked for fresh facts");
        return this.enqueue(() => this.sendFresh(frame.requestId));
      case "certificate":
        if (this.phase !== "ready") return this.unexpected(frame.type);
        void this.o.certificates?.handleCertificate(frame).catch((err: unknown) => this.log.error({ err: (err as Error).message }, "could not keep the device certificate"));
        return;
      case "error":
        return this.onError(frame);
    }
  }

  private unexpected(type: string): void {
    this.log.warn({ type, phase: this.phase }, "ignoring a frame not expected at this point of the session");
  }

  private onHello(hello: Hello): void {
    if (this.phase !== "hello") return this.unexpected("hello");
    this.nonce = hello.nonce;
    const { deviceId } = this.o.state.current;
    const auth: Auth = {
      type: "auth",
      deviceId,
      signature: sign("auth", canonicalBytes(authPayload(deviceId, hello.nonce)), this.o.keyPair.secretKey).toString("base64"),
      agentVersion: AGENT_VERSION,
    };
    this.phase = "welcome";
    this.send(auth);
    const skewMs = Date.parse(hello.serverTime) - this.now().getTime();
    if (Math.abs(skewMs) > 60_000) {
      this.log.warn({ skewSeconds: Math.round(skewMs / 1000) }, "this device's clock differs from the connector's; snapshots may be rejected for clock skew");
    }
  }

  private onWelcome(welcome: Welcome): void {
    if (this.phase !== "welcome") return this.unexpected("welcome");
    if (welcome.deviceId !== this.o.state.current.deviceId) {
      this.drop(`connector welcomed device ${welcome.deviceId}, expected ${this.o.state.current.deviceId}`);
      return;
    }
    this.welcome = welcome;
    this.phase = "ready";
    // After a restore from backup the connector may have seen higher seqs than our file says.
    this.o.state.raiseSeqTo(welcome.lastSeq);
    this.digestsAccepted = welcome.features?.includes(FAMILY_DIGESTS_FEATURE) ?? false;
    this.o.baseline?.welcome(welcome.lastSeq, this.o.pending.get());
    this.log.info({ interval: welcome.interval, lastSeq: welcome.lastSeq }, "authenticated");
    this.o.onEvent?.({ type: "welcome", welcome });
    this.enqueue(() => this.sendInitial());
    this.o.certificates?.attach((frame) => this.send(frame));
    const timer = setInterval(() => this.enqueue(() => this.sendFresh()), welcome.interval * 1000);
    this.timers.push(timer);
  }

  private onAck(seq: number): void {
    if (this.phase !== "ready") return this.unexpected("ack");
    this.replays = 0;
    const pending = this.o.pending.get();
    if (pending && pending.seq <= seq) this.o.pending.clear();
    this.o.baseline?.acknowledged(seq);
    this.o.state.recordAck(seq, this.now());
    this.log.info({ seq }, "snapshot acknowledged");
    this.o.onEvent?.({ type: "ack", seq });
  }

  private onError(frame: ErrorFrame): void {
    this.o.onEvent?.({ type: "rejected", code: frame.code, message: frame.message, ...(frame.seq !== undefined ? { seq: frame.seq } : {}) });
    if (FATAL_CODES.has(frame.code)) {
      this.log.error({ code: frame.code, message: frame.message }, "connector rejected this device");
      this.end({ kind: "fatal", error: this.deviceRejected(frame.code === "revoked_device" ? "revoked" : "unknown") });
      this.ws?.close(1000, "device rejected");
      return;
    }
    if (this.o.certificates?.handleError(frame)) return;
    this.log.warn({ code: frame.code, message: frame.message, seq: frame.seq }, "connector rejected a frame");
    const pending = this.o.pending.get();
    const concernsPending = pending !== undefined && (frame.seq === undefined || frame.seq === pending.seq);
    // Whatever was refused, the connector may not hold what the baseline says: the next snapshot is full.
    this.o.baseline?.forget();
    switch (frame.code) {
      case "unknown_family_digest":
        if (concernsPending && this.phase === "ready") {
          this.log.info({ seq: pending.seq }, "the connector lacks a family this snapshot referred to by digest; resending it in full");
          this.enqueue(async () => {
            const current = this.o.pending.get();
            if (current?.seq === pending.seq && this.phase === "ready") this.sendContent(current, frame.requestId, true);
          });
        }
        return;
      case "replayed_seq": {
        // The connector already holds this seq (our ack got lost, or the state file was restored):
        // move past everything it has seen and send fresh facts under a new seq.
        this.o.state.raiseSeqTo(Math.max(this.welcome?.lastSeq ?? 0, frame.seq ?? 0));
        if (concernsPending) this.o.pending.clear();
        this.replays += 1;
        if (this.replays > MAX_REPLAYS_PER_SESSION) {
          this.drop("the connector keeps reporting replayed seq; reconnecting to learn its lastSeq");
          return;
        }
        if (this.phase === "ready") this.enqueue(() => this.sendFresh(frame.requestId));
        return;
      }
      case "bad_snapshot":
      case "device_mismatch":
      case "nonce_mismatch":
      case "clock_skew":
      case "bad_signature":
        // Resending the same bytes would be rejected the same way; the next interval collects anew.
        if (concernsPending) this.o.pending.clear();
        if (frame.code === "clock_skew") this.log.error("this device's clock is off; fix its time sync (NTP) so its snapshots are accepted");
        return;
      default:
        // rate_limited, internal, …: keep the pending snapshot for the next session.
        return;
    }
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: unknown) => {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, "could not send a snapshot");
    });
  }

  /** At connect: the unacknowledged snapshot if it is still worth sending, else fresh facts. */
  private async sendInitial(): Promise<void> {
    const welcome = this.welcome;
    if (!welcome || this.phase !== "ready") return;
    const pending = this.o.pending.get();
    if (pending) {
      const ageMs = this.now().getTime() - Date.parse(pending.collectedAt);
      if (pending.seq <= welcome.lastSeq) {
        // Accepted before the ack reached us.
        this.o.pending.clear();
      } else if (ageMs > welcome.limits.maxSnapshotAgeSeconds * 1000) {
        this.log.info({ seq: pending.seq, ageSeconds: Math.round(ageMs / 1000) }, "unacknowledged snapshot is too old to resend; collecting fresh facts");
        this.o.pending.clear();
      } else {
        this.log.info({ seq: pending.seq }, "resending the unacknowledged snapshot");
        this.sendContent(pending, undefined, true);
        return;
      }
    }
    await this.sendFresh();
  }

  private async sendFresh(requestId?: string): Promise<void> {
    if (this.phase !== "ready") return;
    const collected = await this.o.collect();
    if (this.phase !== "ready") return;
    const { facts, unknown } = withFacetVendor(collected.facts, collected.unknown);
    const collectedAt = this.now().toISOString();
    let content: SnapshotContent = { seq: 0, collectedAt, facts, unknown };
    const fitted = this.fit(content);
    if (!fitted) return;
    content = fitted;
    // The seq is durable before the frame exists, so no restart can ever reuse it.
    content.seq = this.o.state.nextSeq();
    const pending: PendingSnapshot = { deviceId: this.o.state.current.deviceId, ...content };
    this.o.pending.set(pending);
    this.log.debug({ seq: content.seq, collectMs: Math.round(collected.durationMs) }, "collected facts");
    if (collected.repaired?.length) this.log.warn({ paths: collected.repaired.slice(0, 20), count: collected.repaired.length }, "facts cut or nulled to fit the facts schema");
    this.sendContent(pending, requestId, false);
  }

  private fit(content: SnapshotContent): SnapshotContent | undefined {
    const max = this.welcome?.limits.maxPayload ?? Infinity;
    // Measured with the largest seq a body can carry, so reserving the real seq cannot tip it over.
    const measure = (c: SnapshotContent) => snapshotFrameBytes(this.bodyFor({ ...c, seq: Number.MAX_SAFE_INTEGER }), "x".repeat(128));
    const result = fitToPayload(content, max, measure);
    if (!result) {
      this.log.error({ maxPayload: max }, "even a trimmed snapshot exceeds the connector's maxPayload; not sending");
      return undefined;
    }
    if (result.dropped.length > 0) this.log.warn({ dropped: result.dropped, maxPayload: max }, "snapshot trimmed to fit the connector's maxPayload");
    return { ...result.content };
  }

  private bodyFor(content: SnapshotContent): SnapshotBody {
    return buildSnapshotBody(this.o.state.current.deviceId, this.nonce, content);
  }

  private sendContent(content: SnapshotContent, requestId: string | undefined, resend: boolean): void {
    const families = familyStates(content.facts);
    const compaction = this.digestsAccepted ? this.o.baseline?.compaction(families) : undefined;
    this.o.baseline?.sent(content.seq, families);
    const frame = signSnapshot(this.bodyFor(content), this.o.keyPair.secretKey, requestId, compaction);
    const bytes = frameBytes(frame);
    const digested = Object.keys(frame.digests ?? {});
    const patched = Object.keys(frame.deltas ?? {});
    if (this.send(frame)) {
      const compact = digested.length + patched.length > 0 ? { digested, patched } : {};
      this.log.info({ seq: content.seq, bytes, resend, requestId, ...compact }, "snapshot sent");
      this.o.onEvent?.({ type: "sent", seq: content.seq, resend, bytes, digested, patched, ...(requestId !== undefined ? { requestId } : {}) });
    }
  }

  private send(frame: object): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Ends this session so the loop reconnects. */
  private drop(reason: string): void {
    this.log.warn({ reason }, "dropping the connection");
    this.end({ kind: "closed", welcomed: this.welcome !== undefined, reason });
    this.ws?.terminate();
  }

  private onClose(code: number, reason: string): void {
    if (code === CLOSE_CODES.revoked) {
      this.end({ kind: "fatal", error: this.deviceRejected("revoked") });
      return;
    }
    if (code === CLOSE_CODES.replaced) {
      // Two agents holding the same key (a cloned disk image, a copied state dir) evict each other.
      this.log.warn("another connection authenticated as this device and replaced this one; if this repeats, this device's key was copied to another machine");
    }
    const why = `connection closed (${code}${reason ? `: ${reason}` : ""})`;
    // A refused connect already logged its error; only a session that was open is news here.
    if (this.outcome === undefined && this.phase !== "connecting") this.log.info({ code, reason }, "connection closed");
    this.end({ kind: "closed", welcomed: this.welcome !== undefined, reason: why });
  }

  private deviceRejected(why: "revoked" | "unknown"): AgentError {
    const { deviceId, connectorUrl } = this.o.state.current;
    const what = why === "revoked" ? `has revoked device ${deviceId}` : `does not know device ${deviceId}`;
    return new AgentError(
      why === "revoked" ? "device_revoked" : "device_unknown",
      `the connector at ${connectorUrl} ${what}; the agent stops. If this device should report again, enroll it with a new token: facet-agent enroll --force --url ${connectorUrl} --token <token>`,
    );
  }

  private onAbort = (): void => {
    this.end({ kind: "aborted" });
    this.ws?.close(CLOSE_CODES.shuttingDown, "agent shutting down");
  };

  private end(outcome: SessionOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.phase = "closed";
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.o.signal.removeEventListener("abort", this.onAbort);
    this.o.certificates?.detach();
    // Let a send already in progress finish its disk writes before the caller moves on, but do
    // not hang on a collector that never returns.
    let bound: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (bound = setTimeout(resolve, 15_000)));
    void Promise.race([this.queue, limit]).then(() => {
      clearTimeout(bound);
      this.finish(outcome);
    });
  }
}

function frameBytes(frame: SnapshotFrame): number {
  return Buffer.byteLength(JSON.stringify(frame), "utf8");
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}
