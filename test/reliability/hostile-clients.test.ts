/**
 * Slow and hostile clients are cut off by the connector's limits while well-behaved agents keep
 * being served: a client that never reads, connections that never authenticate, a client that
 * floods frames, and one that sends a frame over maxPayload.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { WebSocket } from "ws";
import { CLOSE_CODES } from "../../shared/protocol/errors.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollTestDevice, type TestDevice } from "../support/protocol-client.ts";
import { until } from "../support/until.ts";
import { canonicalBytes } from "../../shared/signing/canonical.ts";
import { sign } from "../../shared/signing/sign.ts";

const LIMITS = {
  // Short, so the idle connections' test is quick, yet long enough for the good agent's own
  // handshake on a CI machine busy with other test files: at 400 ms it once got an error at auth.
  authTimeoutMs: 2_000,
  heartbeatMs: 1000,
  frameBurst: 10,
  framesPerSecond: 5,
  maxPayload: 64 * 1024,
};

let t: TestConnector;
let good: TestDevice;
let goodSeq = 0;

before(async () => {
  t = await startTestConnector({ limits: LIMITS });
  good = await enrollTestDevice(t.connector.url, t.enrollToken);
});

after(async () => {
  await t.stop();
});

/**
 * A well-behaved agent connects while the hostile client does its worst, gets its snapshot acked,
 * and REST still answers. The bound on "promptly" is loose on purpose: it separates being served
 * from being starved, not fast from slow on a busy machine.
 */
async function assertGoodAgentServed(): Promise<void> {
  goodSeq += 1;
  const started = performance.now();
  const client = await ProtocolClient.connect(t.connector.agentUrl);
  try {
    const welcome = await client.authenticate(good);
    assert.equal(welcome.type, "welcome", JSON.stringify(welcome));
    const answer = await client.sendSnapshot(good, { seq: goodSeq });
    assert.deepEqual(answer.type === "ack" ? answer.seq : answer, goodSeq);
    assert.ok(performance.now() - started < 10_000, "the good agent was answered promptly");
    const res = await t.api(`/v1/devices/${good.deviceId}`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { connected: boolean }).connected, true);
  } finally {
    client.close();
  }
}

function waitClose(ws: WebSocket, timeoutMs: number): Promise<{ code: number; frames: string[] }> {
  const frames: string[] = [];
  ws.on("message", (d) => frames.push(d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
    ws.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, frames });
    });
  });
}

test("connections that never authenticate are closed with auth_timeout, and agents are still served", { timeout: 60_000 }, async () => {
  const idle = Array.from({ length: 50 }, () => new WebSocket(t.connector.agentUrl));
  const closes = idle.map((ws) => waitClose(ws, 15_000));
  const started = performance.now();
  await assertGoodAgentServed();
  const results = await Promise.all(closes);
  const elapsed = performance.now() - started;
  for (const r of results) {
    assert.equal(r.code, CLOSE_CODES.authTimeout);
    assert.ok(r.frames.some((f) => JSON.parse(f).code === "auth_timeout"), "an auth_timeout error frame was sent before closing");
  }
  assert.ok(elapsed < LIMITS.authTimeoutMs + 10_000, `all cut within the auth timeout (${Math.round(elapsed)} ms)`);
  await assertGoodAgentServed();
});

test("a client that floods frames is told rate_limited and cut off, and agents are still served", { timeout: 60_000 }, async () => {
  const flooder = await enrollTestDevice(t.connector.url, t.enrollToken);
  const client = await ProtocolClient.connect(t.connector.agentUrl);
  assert.equal((await client.authenticate(flooder)).type, "welcome");
  const frame = JSON.stringify(client.snapshotFrame(flooder, { seq: 1 }));
  const closed = client.closed;
  for (let i = 0; i < 500 && client.ws.readyState === WebSocket.OPEN; i++) client.sendRaw(frame);
  const { code } = await closed;
  assert.equal(code, CLOSE_CODES.rateLimited);
  assert.ok(client.frames.some((f) => f.type === "error" && f.code === "rate_limited"));
  await assertGoodAgentServed();
  const events = (await (await t.api(`/v1/events?type=snapshot.rejected`)).json()) as { events: { data: { code: string } }[] };
  assert.ok(events.events.some((e) => e.data.code === "rate_limited"), "the cut-off is recorded as an event");
});

test("a frame over maxPayload closes the connection with 1009, and agents are still served", { timeout: 60_000 }, async () => {
  const big = await enrollTestDevice(t.connector.url, t.enrollToken);
  const client = await ProtocolClient.connect(t.connector.agentUrl);
  assert.equal((await client.authenticate(big)).type, "welcome");
  client.sendRaw("x".repeat(LIMITS.maxPayload + 1));
  assert.equal((await client.closed).code, CLOSE_CODES.frameTooLarge);
  await assertGoodAgentServed();
});

/** A hand-made WebSocket client over a raw TCP socket, so it can stop reading entirely. */
async function rawAuthenticatedSocket(device: TestDevice): Promise<Socket> {
  const url = new URL(t.connector.agentUrl);
  const socket = netConnect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(
    `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from("facet-never-read").toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let buffered = Buffer.alloc(0);
  const nonce = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const headerEnd = buffered.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const frame = buffered.subarray(headerEnd + 4);
      if (frame.length < 2) return;
      const len = frame[1]! & 0x7f;
      const [offset, size] = len === 126 ? [4, frame.readUInt16BE(2)] : [2, len];
      if (frame.length < offset + size) return;
      socket.off("data", onData);
      resolve((JSON.parse(frame.subarray(offset, offset + size).toString()) as { nonce: string }).nonce);
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
  const signature = sign("auth", canonicalBytes({ deviceId: device.deviceId, nonce }), device.keys.secretKey).toString("base64");
  socket.write(maskedTextFrame(JSON.stringify({ type: "auth", deviceId: device.deviceId, signature, agentVersion: "test" })));
  return socket;
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const mask = Buffer.from([1, 2, 3, 4]);
  const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([header, mask, masked]);
}

test("a client that stops reading is dropped by the heartbeat, and agents are still served", { timeout: 60_000 }, async () => {
  const slow = await enrollTestDevice(t.connector.url, t.enrollToken);
  const socket = await rawAuthenticatedSocket(slow);
  await until("the slow client authenticated", () => t.connector.hub.isConnected(slow.deviceId), 15_000);
  socket.pause(); // never reads again: pings go unanswered and writes pile up
  // Refresh requests make the connector write to it too.
  const refreshes = Array.from({ length: 5 }, () => t.api(`/v1/devices/${slow.deviceId}/refresh?wait=1`, { method: "POST" }));
  await until("the slow client was dropped", () => !t.connector.hub.isConnected(slow.deviceId), LIMITS.heartbeatMs * 2 + 15_000);
  for (const res of await Promise.all(refreshes)) assert.ok([504, 409].includes(res.status), `refresh answered ${res.status}`);
  await assertGoodAgentServed();
  socket.destroy();
});

