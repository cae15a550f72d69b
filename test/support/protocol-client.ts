/**
 * A small, real agent-protocol client for tests and benchmarks: enrolls over REST, speaks the
 * WebSocket protocol with real signatures (shared/signing), and exposes every frame it receives.
 * It deliberately lets a test send wrong things (bad signatures, stale seq, raw bytes).
 *
 *   const device = await enrollTestDevice(connector.url, enrollSecret);
 *   const client = await ProtocolClient.connect(connector.agentUrl);
 *   await client.authenticate(device);
 *   const answer = await client.sendSnapshot(device, { seq: 1 });   // { type: "ack", seq: 1 }
 */
import { WebSocket } from "ws";
import { ConnectorFrameSchema, authPayload, type ConnectorFrame, type Hello } from "../../shared/protocol/messages.ts";
import type { SnapshotBody } from "../../shared/protocol/snapshot.ts";
import { FACTS_VERSION, type Facts, type Unknown } from "../../shared/facts/schema.ts";
import { canonicalBytes, canonicalJson } from "../../shared/signing/canonical.ts";
import { generateKeyPair, sign, type DeviceKeyPair } from "../../shared/signing/sign.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "./facts.ts";

export interface TestDevice {
  deviceId: string;
  keys: DeviceKeyPair;
}

export async function enrollTestDevice(
  baseUrl: string,
  enrollToken: string,
  extra: { hostname?: string; platform?: string; username?: string; keys?: DeviceKeyPair } = {},
): Promise<TestDevice> {
  const response = await enrollRequest(baseUrl, enrollToken, extra);
  if (response.status !== 201) throw new Error(`enroll failed: ${response.status} ${await response.text()}`);
  const { deviceId } = (await response.json()) as { deviceId: string };
  return { deviceId, keys: extra.keys ?? response.keys };
}

/** The raw enroll call, for tests that expect it to fail. */
export async function enrollRequest(
  baseUrl: string,
  enrollToken: string,
  extra: { hostname?: string; platform?: string; username?: string; keys?: DeviceKeyPair; signWith?: DeviceKeyPair } = {},
): Promise<Response & { keys: DeviceKeyPair }> {
  const keys = extra.keys ?? generateKeyPair();
  const publicKey = Buffer.from(keys.publicKey).toString("base64");
  const signature = sign("enroll", canonicalBytes({ publicKey, token: enrollToken }), (extra.signWith ?? keys).secretKey).toString("base64");
  const response = await fetch(`${baseUrl}/v1/enroll`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      token: enrollToken,
      publicKey,
      signature,
      hostname: extra.hostname ?? "test-host",
      platform: extra.platform ?? "linux",
      ...(extra.username ? { username: extra.username } : {}),
      agentVersion: "test",
    }),
  });
  return Object.assign(response, { keys });
}

export interface SnapshotOptions {
  seq: number;
  facts?: Facts;
  unknown?: Unknown;
  collectedAt?: string;
  nonce?: string;
  deviceId?: string;
  requestId?: string;
  /** Sign with another key (bad-signature tests). */
  signWith?: DeviceKeyPair;
  /** Change the body after signing (tamper tests). */
  tamper?: (body: string) => string;
  /** Change the body before signing: a validly signed body in a form the connector must refuse. */
  resign?: (body: string) => string;
}

export class ProtocolClient {
  readonly frames: ConnectorFrame[] = [];
  hello!: Hello;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { match: (f: ConnectorFrame) => boolean; resolve: (f: ConnectorFrame) => void; fail: (why: string) => void }[] = [];
  private cursor = 0;
  private closedAs: string | null = null;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        // A frame that has not come by the close never will: say how the connection ended instead of timing out.
        this.closedAs = `the connection closed with ${code}${reason.length > 0 ? ` (${reason.toString()})` : ""}`;
        for (const waiter of this.waiters.splice(0)) waiter.fail(this.closedAs);
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on("message", (data) => {
      const frame = ConnectorFrameSchema.parse(JSON.parse(data.toString()));
      this.frames.push(frame);
      this.dispatch();
    });
  }

  static async connect(agentUrl: string, options: { waitForHello?: boolean } = {}): Promise<ProtocolClient> {
    const ws = new WebSocket(agentUrl, { maxPayload: 16 * 1024 * 1024 });
    const client = new ProtocolClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    if (options.waitForHello !== false) client.hello = (await client.next("hello")) as Hello;
    return client;
  }

  /** The next frame not yet consumed, optionally of one type (skipping none: order matters). */
  next(type?: ConnectorFrame["type"], timeoutMs = 20_000): Promise<ConnectorFrame> {
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new Error(`no ${type ?? "frame"}: ${why}; got ${JSON.stringify(this.frames.slice(this.cursor))}`));
      };
      const timer = setTimeout(() => fail(`none within ${timeoutMs} ms`), timeoutMs);
      this.waiters.push({
        match: (f) => type === undefined || f.type === type,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        fail,
      });
      this.dispatch();
      if (this.closedAs !== null) for (const waiter of this.waiters.splice(0)) waiter.fail(this.closedAs);
    });
  }

  async authenticate(device: TestDevice, options: { signWith?: DeviceKeyPair; deviceId?: string } = {}): Promise<ConnectorFrame> {
    const deviceId = options.deviceId ?? device.deviceId;
    const signature = sign("auth", canonicalBytes(authPayload(deviceId, this.hello.nonce)), (options.signWith ?? device.keys).secretKey);
    this.sendJson({ type: "auth", deviceId, signature: signature.toString("base64"), agentVersion: "test" });
    return this.next();
  }

  /** Builds, signs and sends a snapshot; resolves with the connector's answer (ack or error). */
  async sendSnapshot(device: TestDevice, options: SnapshotOptions): Promise<ConnectorFrame> {
    this.sendJson(this.snapshotFrame(device, options));
    return this.next();
  }

  snapshotFrame(device: TestDevice, options: SnapshotOptions): Record<string, unknown> {
    const body: SnapshotBody = {
      v: FACTS_VERSION,
      deviceId: options.deviceId ?? device.deviceId,
      seq: options.seq,
      collectedAt: options.collectedAt ?? new Date().toISOString(),
      nonce: options.nonce ?? this.hello.nonce,
      agentVersion: "test",
      facts: options.facts ?? sampleFacts(),
      unknown: options.unknown ?? SAMPLE_UNKNOWN,
    };
    const text = options.resign ? options.resign(canonicalJson(body)) : canonicalJson(body);
    const signature = sign("snapshot", Buffer.from(text, "utf8"), (options.signWith ?? device.keys).secretKey);
    return {
      type: "snapshot",
      body: options.tamper ? options.tamper(text) : text,
      signature: signature.toString("base64"),
      ...(options.requestId ? { requestId: options.requestId } : {}),
    };
  }

  sendJson(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  close(): void {
    this.ws.close();
  }

  private dispatch(): void {
    while (this.cursor < this.frames.length && this.waiters.length > 0) {
      const frame = this.frames[this.cursor]!;
      const index = this.waiters.findIndex((w) => w.match(frame));
      if (index === -1) {
        // The oldest waiter wants another type: this frame is skipped for it only if no one wants it.
        const [first] = this.waiters;
        if (first && !first.match(frame)) {
          this.cursor += 1;
          continue;
        }
        return;
      }
      this.cursor += 1;
      this.waiters.splice(index, 1)[0]!.resolve(frame);
    }
  }
}
