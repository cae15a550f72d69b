/**
 * The server side of the agent protocol, scripted by a test: a real `ws` server on 127.0.0.1:0
 * that sends hello, checks the agent's frames against the shared schemas and signatures with
 * node:crypto, and lets the test decide what to answer (welcome, ack, refresh, error, silence).
 * Not a connector: the connector engineer's is the real one; this drives the agent's edge cases.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { WebSocketServer, type WebSocket } from "ws";
import { AgentFrameSchema, type Auth, type ConnectorFrame, type Welcome } from "../../shared/protocol/messages.ts";
import { SnapshotBodySchema, type SnapshotBody } from "../../shared/protocol/snapshot.ts";
import { canonicalBytes, canonicalText } from "../../shared/signing/canonical.ts";
import { AGENT_FEATURES_HEADER, expandBodyText, familyDigest, type FactFamily, type HeldFamily } from "../../shared/protocol/family-digests.ts";
import { publicKeyFromRaw, verifySignature } from "../../shared/signing/verify.ts";

export interface ReceivedSnapshot {
  connection: number;
  nonce: string;
  body: SnapshotBody;
  /** The full body: as sent, or rebuilt from a compact frame. */
  rawBody: string;
  /** Families the frame sent as digests (empty for a full frame). */
  digested: string[];
  /** Families the frame sent as edits of an earlier list. */
  patched: string[];
  /** UTF-8 size of the frame as sent. */
  frameBytes: number;
  signatureValid: boolean;
  requestId?: string;
}

export interface Connection {
  index: number;
  socket: WebSocket;
  nonce: string;
  auth?: Auth;
  authSignatureValid?: boolean;
  /** The upgrade request's feature header, as the agent sent it. */
  offered: string | undefined;
}

export class ScriptedConnector {
  readonly snapshots: ReceivedSnapshot[] = [];
  /** Device-certificate requests, unanswered unless a test answers them with send(). */
  readonly certRequests: { connection: number; csr: string; requestId?: string }[] = [];
  readonly connections: Connection[] = [];
  /** Frames from the agent that failed the shared schema: a test asserts this stays empty. */
  readonly invalidFrames: string[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];
  private https: HttpsServer | undefined;
  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
    /** The device key that auth and snapshot signatures are checked against. */
    public publicKey: Uint8Array,
    /** Answers auth; default: a welcome with `welcome` fields. */
    public onAuth: (conn: Connection) => void,
  ) {}

  /**
   * With `tls`, serves `wss://` and also answers `POST /v1/enroll` with `enrollDeviceId`, so a test
   * can enroll and run over TLS against a private CA.
   */
  static async start(
    publicKey: Uint8Array,
    welcome: Partial<Welcome> = {},
    options: { tls?: { cert: string; key: string }; enrollDeviceId?: string } = {},
  ): Promise<ScriptedConnector> {
    let https: HttpsServer | undefined;
    let wss: WebSocketServer;
    if (options.tls) {
      https = createHttpsServer(options.tls, (req, res) => {
        if (req.method === "POST" && req.url === "/v1/enroll") {
          req.resume();
          res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ deviceId: options.enrollDeviceId ?? "dev_tls", agentPath: "/v1/agent" }));
          return;
        }
        res.writeHead(404).end();
      });
      wss = new WebSocketServer({ server: https, path: "/v1/agent", maxPayload: 1024 * 1024 });
      https.listen(0, "127.0.0.1");
      await once(https, "listening");
    } else {
      wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/v1/agent", maxPayload: 1024 * 1024 });
      await once(wss, "listening");
    }
    const { port } = (https ?? wss).address() as AddressInfo;
    const scheme = https ? "wss" : "ws";
    const server: ScriptedConnector = new ScriptedConnector(wss, `${scheme}://127.0.0.1:${port}/v1/agent`, publicKey, (conn) =>
      server.send(conn, server.welcomeFrame(conn, welcome)),
    );
    server.https = https;
    wss.on("connection", (socket, request) => server.accept(socket, request.headers[AGENT_FEATURES_HEADER]));
    return server;
  }

  /** `http(s)://127.0.0.1:port`: what an agent is enrolled with. */
  get baseUrl(): string {
    return this.url.replace(/^ws/, "http").replace("/v1/agent", "");
  }

  welcomeFrame(conn: Connection, over: Partial<Welcome> = {}): Welcome {
    return {
      type: "welcome",
      deviceId: conn.auth?.deviceId ?? "",
      interval: 900,
      lastSeq: 0,
      limits: { maxPayload: 512 * 1024, maxClockSkewSeconds: 300, maxSnapshotAgeSeconds: 3600 },
      ...over,
    };
  }

  private accept(socket: WebSocket, offered: string | string[] | undefined): void {
    const conn: Connection = { index: this.connections.length, socket, nonce: randomBytes(24).toString("base64url"), offered: typeof offered === "string" ? offered : undefined };
    this.connections.push(conn);
    socket.on("message", (data) => {
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        json = undefined;
      }
      const parsed = AgentFrameSchema.safeParse(json);
      if (!parsed.success) {
        this.invalidFrames.push(data.toString().slice(0, 200));
        return;
      }
      const frame = parsed.data;
      const key = publicKeyFromRaw(this.publicKey);
      if (frame.type === "auth") {
        conn.auth = frame;
        conn.authSignatureValid = verifySignature(
          "auth",
          canonicalBytes({ deviceId: frame.deviceId, nonce: conn.nonce }),
          Buffer.from(frame.signature, "base64"),
          key,
        );
        this.onAuth(conn);
      } else if (frame.type === "certRequest") {
        this.certRequests.push({ connection: conn.index, csr: frame.csr, ...(frame.requestId !== undefined ? { requestId: frame.requestId } : {}) });
      } else {
        const compact = frame.digests !== undefined || frame.deltas !== undefined;
        const full = compact ? expandBodyText(frame.body, frame.digests ?? {}, frame.deltas ?? {}, (family, digest) => this.heldFamily(family, digest)) : { ok: true as const, text: frame.body };
        if (!full.ok) {
          this.invalidFrames.push(`${full.code}: ${full.message}`);
          return;
        }
        this.snapshots.push({
          connection: conn.index,
          nonce: conn.nonce,
          body: SnapshotBodySchema.parse(JSON.parse(full.text)),
          rawBody: full.text,
          digested: Object.keys(frame.digests ?? {}),
          patched: Object.keys(frame.deltas ?? {}),
          frameBytes: Buffer.byteLength(data.toString()),
          signatureValid: verifySignature("snapshot", Buffer.from(full.text, "utf8"), Buffer.from(frame.signature, "base64"), key),
          ...(frame.requestId !== undefined ? { requestId: frame.requestId } : {}),
        });
      }
      this.notify();
    });
    this.send(conn, { type: "hello", protocol: 1, nonce: conn.nonce, serverTime: new Date().toISOString() });
    this.notify();
  }

  /** A family value with this digest in any snapshot received so far, newest first. */
  private heldFamily(family: FactFamily, digest: string): HeldFamily | undefined {
    for (let i = this.snapshots.length - 1; i >= 0; i--) {
      const value = this.snapshots[i]!.body.facts[family];
      const text = canonicalText(value);
      if (familyDigest(family, text) === digest) return { value, text };
    }
    return undefined;
  }

  send(conn: Connection, frame: ConnectorFrame | Record<string, unknown>): void {
    conn.socket.send(JSON.stringify(frame));
  }

  sendRaw(conn: Connection, data: string | Buffer): void {
    conn.socket.send(data);
  }

  /** Resolves when `check` holds, re-checked after every frame; rejects after `ms`. */
  waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      // Polled as well, for conditions on the agent's side (files on disk) that no frame announces.
      const poll = setInterval(() => this.notify(), 20);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        },
      });
    });
  }

  waitForSnapshots(n: number, ms?: number): Promise<void> {
    return this.waitFor(() => this.snapshots.length >= n, `${n} snapshot(s)`, ms);
  }

  waitForConnections(n: number, ms?: number): Promise<void> {
    return this.waitFor(() => this.connections.length >= n, `${n} connection(s)`, ms);
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    if (this.https) {
      this.https.closeAllConnections();
      await new Promise<void>((resolve) => this.https!.close(() => resolve()));
    }
  }
}
