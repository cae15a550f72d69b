/**
 * Fuzzing a live connector: fast-check properties that throw bad frames and bad REST bodies at a
 * real connector (real WebSocket on 127.0.0.1, real SQLite file) and check, after every input,
 * that it was answered with an error code and that the database did not change — the same row
 * counts and the same latest snapshot, with only rejection events added.
 *
 * Used by fuzz.test.ts (a few hundred inputs, in `npm test`) and by `npm run fuzz -- --runs N`.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { WebSocket } from "ws";
import { SUPPRESSED_EVENT } from "../../../connector/events/rejections.ts";
import { CLOSE_CODES, ERROR_CODES } from "../../../shared/protocol/errors.ts";
import type { ConnectorFrame } from "../../../shared/protocol/messages.ts";
import { canonicalBytes } from "../../../shared/signing/canonical.ts";
import { generateKeyPair, sign } from "../../../shared/signing/sign.ts";
import type { Facts } from "../../../shared/facts/schema.ts";
import { startTestConnector, type TestConnector } from "../connector.ts";
import { ProtocolClient, enrollTestDevice, type TestDevice } from "../protocol-client.ts";
import { sampleFacts } from "../facts.ts";
import * as gen from "./arbitraries.ts";

export const FUZZ_LIMITS = {
  maxPayload: 256 * 1024,
  maxBodyBytes: 64 * 1024,
  // The fuzzer sends far faster than any agent; rate limiting has its own test.
  frameBurst: 1_000_000,
  framesPerSecond: 1_000_000,
  maxPendingFrames: 1_000,
  authTimeoutMs: 10_000,
};

/** Event types a rejected input may add; anything else in the events table is a change. */
/** What bad input may add: rejections, and the rate limiter's count of rejections it did not record one by one. */
const REJECTION_EVENTS = new Set(["snapshot.rejected", "agent.auth_failed", "agent.protocol_error", "enroll.rejected", "api.auth_failed", SUPPRESSED_EVENT]);

export interface DbState {
  counts: Record<string, number>;
  latestBody: string | null;
  lastSeq: number;
}

export class FuzzTarget {
  good!: TestDevice;
  other!: TestDevice;
  revoked!: TestDevice;
  private session: ProtocolClient | null = null;
  private seq = 0;
  private lastEventId = 0;
  /** Nonces of sessions that are over: signatures over them must never be accepted again. */
  private oldNonces: string[] = [];

  private constructor(readonly t: TestConnector) {}

  static async start(): Promise<FuzzTarget> {
    const target = new FuzzTarget(await startTestConnector({ limits: FUZZ_LIMITS }));
    const { t } = target;
    target.good = await enrollTestDevice(t.connector.url, t.enrollToken);
    target.other = await enrollTestDevice(t.connector.url, t.enrollToken);
    target.revoked = await enrollTestDevice(t.connector.url, t.enrollToken);
    const res = await t.api(`/v1/devices/${target.revoked.deviceId}/revoke`, { method: "POST" });
    assert.equal(res.status, 200);
    // One accepted snapshot, so "the latest snapshot is unchanged" compares something real.
    await target.sendGood();
    target.lastEventId = await target.maxEventId();
    return target;
  }

  async stop(): Promise<void> {
    this.session?.close();
    await this.t.stop();
  }

  get url(): string {
    return this.t.connector.agentUrl;
  }

  async state(): Promise<DbState> {
    const store = this.t.connector.store;
    const { events: _events, ...counts } = await store.counts();
    const latest = await store.latestSnapshot(this.good.deviceId);
    const device = await store.getDevice(this.good.deviceId);
    return { counts, latestBody: latest?.body ?? null, lastSeq: device?.lastSeq ?? -1 };
  }

  private async maxEventId(): Promise<number> {
    const events = await this.t.connector.store.listEvents({ afterId: this.lastEventId, limit: 100_000 });
    return events.reduce((m, e) => Math.max(m, e.id), this.lastEventId);
  }

  /** Only rejection events were added since the last check. */
  async assertOnlyRejectionEvents(): Promise<void> {
    const events = await this.t.connector.store.listEvents({ afterId: this.lastEventId, limit: 100_000 });
    // Advanced before asserting: otherwise one failure is blamed on every input fast-check shrinks to.
    this.lastEventId = events.reduce((m, e) => Math.max(m, e.id), this.lastEventId);
    for (const e of events) assert.ok(REJECTION_EVENTS.has(e.type), `a bad input recorded a ${e.type} event: ${JSON.stringify(e.data)}`);
  }

  /** The good device's authenticated session, reopened if a previous input closed it. */
  async authed(): Promise<ProtocolClient> {
    if (this.session && this.session.ws.readyState === WebSocket.OPEN) return this.session;
    if (this.session) this.oldNonces.push(this.session.hello.nonce);
    const client = await ProtocolClient.connect(this.url);
    const welcome = await client.authenticate(this.good);
    assert.equal(welcome.type, "welcome", `good device could not authenticate: ${JSON.stringify(welcome)}`);
    this.session = client;
    return client;
  }

  oldNonce(): string {
    return this.oldNonces.at(-1) ?? randomBytes(32).toString("base64url");
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** A valid snapshot with the next seq: must be acked and stored. */
  async sendGood(facts: Facts = sampleFacts()): Promise<void> {
    const client = await this.authed();
    this.seq += 1;
    const frame = client.snapshotFrame(this.good, { seq: this.seq, facts });
    const answer = await answerOf(client, () => client.sendJson(frame));
    assert.deepEqual(answer, { frame: { type: "ack", seq: this.seq } });
    const latest = await this.t.connector.store.latestSnapshot(this.good.deviceId);
    assert.equal(latest?.body, frame.body, "the acked snapshot is the stored latest one");
    this.lastEventId = await this.maxEventId();
  }
}

export type Answer = { frame: ConnectorFrame } | { closeCode: number };

/** What the connector answered to one input: its next frame, or the close if none came first. */
export async function answerOf(client: ProtocolClient, send: () => void, timeoutMs = 10_000): Promise<Answer> {
  const before = client.frames.length;
  send();
  const deadline = Date.now() + timeoutMs;
  let closeCode: number | null = null;
  void client.closed.then((c) => (closeCode = c.code));
  while (Date.now() < deadline) {
    if (client.frames.length > before) {
      // Drain the cursor so later next() calls see later frames.
      await client.next(undefined, 100).catch(() => undefined);
      return { frame: client.frames[before]! };
    }
    if (closeCode !== null) return { closeCode };
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`no answer within ${timeoutMs} ms`);
}

function assertErrorAnswer(answer: Answer, input: unknown): void {
  if ("closeCode" in answer) {
    assert.equal(answer.closeCode, CLOSE_CODES.frameTooLarge, `closed with ${answer.closeCode} and no error frame for ${preview(input)}`);
    return;
  }
  assert.equal(answer.frame.type, "error", `expected an error for ${preview(input)}, got ${JSON.stringify(answer.frame)}`);
  assert.ok(answer.frame.type === "error" && answer.frame.code in ERROR_CODES, "the error code is a documented one");
}

function preview(input: unknown): string {
  const text = typeof input === "string" ? input : JSON.stringify(input) ?? String(input);
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

async function assertUnchanged(target: FuzzTarget, before: DbState, input: unknown): Promise<void> {
  assert.deepEqual(await target.state(), before, `the database changed after ${preview(input)}`);
  await target.assertOnlyRejectionEvents();
}

/** Frames sent before authenticating, each on a fresh connection. */
export function preAuthProperty(target: FuzzTarget) {
  return fc.asyncProperty(gen.preAuthInput(target), async (input) => {
    const before = await target.state();
    const client = await ProtocolClient.connect(target.url);
    try {
      const answer = await answerOf(client, () => (input.raw instanceof Uint8Array ? client.ws.send(input.raw, { binary: true }) : client.sendRaw(input.raw)));
      assertErrorAnswer(answer, input.raw);
      if ("frame" in answer && answer.frame.type === "error" && input.expect) assert.equal(answer.frame.code, input.expect, `for ${input.kind}`);
    } finally {
      client.close();
    }
    await assertUnchanged(target, before, input.raw);
  });
}

/**
 * Sequences on an authenticated session: bad snapshots of every kind interleaved with good ones
 * (so seq and nonce move under the fuzzer's feet). Each bad input is answered with its error code
 * and changes nothing; each good one is acked and becomes the latest snapshot.
 */
export function sessionProperty(target: FuzzTarget) {
  return fc.asyncProperty(fc.array(gen.sessionAction(), { minLength: 1, maxLength: 6 }), async (actions) => {
    for (const action of actions) {
      if (action.kind === "good") {
        await target.sendGood();
        continue;
      }
      const client = await target.authed();
      const before = await target.state();
      const raw = gen.buildSessionFrame(action, target, client);
      const answer = await answerOf(client, () => (typeof raw === "string" ? client.sendRaw(raw) : client.sendJson(raw)));
      assertErrorAnswer(answer, { action, lastSeq: target.lastSeq, raw });
      if ("frame" in answer && answer.frame.type === "error") assert.equal(answer.frame.code, gen.expectedCode(action), `for ${action.kind}`);
      await assertUnchanged(target, before, raw);
    }
  });
}

/** REST requests with bad bodies, queries and ids: a 4xx with an error code, never a 5xx, nothing written. */
export function restProperty(target: FuzzTarget) {
  return fc.asyncProperty(gen.restInput(), async (input) => {
    const before = await target.state();
    const headers: Record<string, string> = { "content-type": input.contentType };
    if (input.auth === "admin") headers.authorization = `Bearer ${target.t.adminToken}`;
    else if (input.auth === "bogus") headers.authorization = `Bearer fct_${randomBytes(32).toString("base64url")}`;
    const res = await httpRequest(target.t.connector.url, input.method, input.path, headers, input.body);
    const text = res.text;
    assert.ok(res.status >= 400 && res.status < 500, `${input.method} ${input.path} answered ${res.status}: ${text.slice(0, 300)} for body ${preview(input.body ?? "")}`);
    const json = JSON.parse(text) as { error?: { code?: unknown } };
    assert.equal(typeof json.error?.code, "string", `the answer carries an error code: ${text.slice(0, 300)}`);
    await assertUnchanged(target, before, `${input.method} ${input.path} ${input.body ?? ""}`);
  });
}

/**
 * node:http rather than fetch: for a body over the limit the connector answers 413 and closes
 * without reading the rest, and fetch reports the early close as a network error instead of
 * the answer it already received.
 */
function httpRequest(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { agent: false, host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** After a fuzz run: still up, still serving the good agent and REST. */
export async function assertStillServing(target: FuzzTarget): Promise<void> {
  const health = await fetch(`${target.t.connector.url}/healthz`);
  assert.equal(health.status, 200);
  await target.sendGood();
  const res = await target.t.api(`/v1/devices/${target.good.deviceId}`);
  assert.equal(res.status, 200);
}

export { generateKeyPair, sign, canonicalBytes };
