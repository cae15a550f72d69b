/**
 * A lean simulated agent: a real protocol client (hello → signed auth → welcome → signed
 * snapshots → acks, answers refresh) with none of the real agent's collection or persistence, so
 * one process can drive thousands of them. Frames are pre-built where the protocol allows.
 */
import WebSocket from "ws";
import type { KeyObject } from "node:crypto";
import { ConnectorFrameSchema, type ConnectorFrame, type Welcome } from "../../shared/protocol/messages.ts";
import { AGENT_FEATURES_HEADER, FAMILY_DIGESTS_FEATURE } from "../../shared/protocol/family-digests.ts";
import { authFrame, signedSnapshotFrame, type SnapshotTemplate } from "./snapshot-frames.ts";

export const BENCH_AGENT_VERSION = "0.1.0-bench";

export interface BenchAgentOptions {
  url: string;
  deviceId: string;
  key: KeyObject;
  template: SnapshotTemplate;
  localAddress?: string;
  /** Give up on the handshake after this long. */
  timeoutMs?: number;
}

export class BenchAgent {
  readonly deviceId: string;
  nonce = "";
  lastSeq = 0;
  welcome: Welcome | null = null;
  errors: { code: string; message: string }[] = [];
  onAck: (seq: number) => void = () => {};
  /** A snapshot refused with an error naming its seq: answered, and never to be acked. */
  onRefused: (seq: number) => void = () => {};
  onClose: (code: number) => void = () => {};
  private ws: WebSocket | null = null;
  private frames: Buffer[] = [];
  private closedPromise: Promise<number> = Promise.resolve(1006);

  constructor(private readonly options: BenchAgentOptions) {
    this.deviceId = options.deviceId;
  }

  /** Opens the socket and completes the handshake; resolves with `welcome`. */
  connect(): Promise<Welcome> {
    const { url, localAddress, timeoutMs = 30_000 } = this.options;
    this.welcome = null;
    return new Promise((resolve, reject) => {
      // An agent with a steady-state form offers family digests, as the real agent does.
      const headers = this.options.template.compact ? { [AGENT_FEATURES_HEADER]: FAMILY_DIGESTS_FEATURE } : undefined;
      const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: timeoutMs, ...(headers ? { headers } : {}) });
      this.ws = ws;
      this.closedPromise = new Promise((r) => ws.once("close", (code) => r(code)));
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`handshake timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      ws.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.on("close", (code) => {
        clearTimeout(timer);
        if (this.welcome === null) reject(new Error(`closed during handshake (${code})`));
        this.onClose(code);
      });
      ws.on("message", (data) => {
        let frame: ConnectorFrame;
        try {
          frame = ConnectorFrameSchema.parse(JSON.parse(data.toString()));
        } catch (err) {
          this.errors.push({ code: "client_parse", message: String(err) });
          return;
        }
        switch (frame.type) {
          case "hello":
            this.nonce = frame.nonce;
            ws.send(authFrame(this.deviceId, frame.nonce, this.options.key, BENCH_AGENT_VERSION));
            break;
          case "welcome":
            clearTimeout(timer);
            this.welcome = frame;
            // As the real agent does (agent/identity/state-file.ts raiseSeqTo): a welcome can name an
            // older seq than this agent sent, while its previous session's snapshots are still being written.
            this.lastSeq = Math.max(this.lastSeq, frame.lastSeq);
            resolve(frame);
            break;
          case "ack":
            this.onAck(frame.seq);
            break;
          case "refresh":
            this.lastSeq += 1;
            ws.send(signedSnapshotFrame(this.options.template, this.options.key, this.lastSeq, this.nonce, undefined, frame.requestId), { binary: false });
            break;
          case "error":
            this.errors.push({ code: frame.code, message: frame.message });
            if (frame.seq !== undefined) this.onRefused(frame.seq);
            if (this.welcome === null) {
              clearTimeout(timer);
              reject(new Error(`${frame.code}: ${frame.message}`));
            }
            break;
        }
      });
    });
  }

  /**
   * Signs `count` snapshots for this session ahead of time (seq continues from the last one).
   * `compact`: in steady-state form, when the connector accepted family digests — the caller
   * makes sure the connector already stores this device's full facts (an acked snapshot).
   */
  presign(count: number, compact = false): void {
    const collectedAt = new Date().toISOString();
    const digests = compact && (this.welcome?.features?.includes(FAMILY_DIGESTS_FEATURE) ?? false);
    for (let i = 0; i < count; i++) {
      this.lastSeq += 1;
      this.frames.push(signedSnapshotFrame(this.options.template, this.options.key, this.lastSeq, this.nonce, collectedAt, undefined, digests));
    }
  }

  get presigned(): number {
    return this.frames.length;
  }

  /** Sends the next pre-signed snapshot; false when none is left. */
  sendNext(): boolean {
    const frame = this.frames.shift();
    if (frame === undefined || this.ws === null || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(frame, { binary: false });
    return true;
  }

  /** Signs and sends one snapshot now. */
  sendFresh(): number {
    this.lastSeq += 1;
    this.ws?.send(signedSnapshotFrame(this.options.template, this.options.key, this.lastSeq, this.nonce), { binary: false });
    return this.lastSeq;
  }

  dropPresigned(): void {
    this.frames = [];
  }

  /** Resolves with the close code once the current connection is gone. */
  closed(): Promise<number> {
    return this.closedPromise;
  }

  get open(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws?.terminate();
  }
}
