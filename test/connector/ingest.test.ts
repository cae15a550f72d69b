/**
 * The agent channel end to end over a real WebSocket on 127.0.0.1 and a real SQLite file:
 * what is accepted, and for each rejection the error code AND that nothing was stored.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollTestDevice, type TestDevice } from "../support/protocol-client.ts";
import { generateKeyPair } from "../../shared/signing/sign.ts";
import { sampleFacts } from "../support/facts.ts";

let t: TestConnector;
let clock = Date.now();
// An offset the clock-skew tests move; the connector reads time only through this.
const now = () => clock;

before(async () => {
  t = await startTestConnector({ now, limits: { maxPayload: 64 * 1024, authTimeoutMs: 1500 } });
});
after(async () => t.stop());

async function connected(device: TestDevice): Promise<ProtocolClient> {
  const client = await ProtocolClient.connect(t.connector.agentUrl);
  const welcome = await client.authenticate(device);
  assert.equal(welcome.type, "welcome", JSON.stringify(welcome));
  return client;
}

/** Row counts, the latest snapshot and the device row: everything a rejection must leave alone. */
async function stateOf(deviceId: string) {
  const { store } = t.connector;
  const counts = await store.counts();
  // Events are expected to grow by the rejection event; every other table must not change.
  const { events, ...rows } = counts;
  return { rows, events: events ?? 0, latest: await store.latestSnapshot(deviceId), device: await store.getDevice(deviceId) };
}

async function assertRejected(deviceId: string, action: () => Promise<unknown>, code: string, eventType = "snapshot.rejected") {
  const before = await stateOf(deviceId);
  const answer = (await action()) as { type: string; code?: string };
  assert.equal(answer.type, "error", JSON.stringify(answer));
  assert.equal(answer.code, code);
  const afterState = await stateOf(deviceId);
  assert.deepEqual(afterState.rows, before.rows, "no table other than events changed");
  assert.deepEqual(afterState.latest, before.latest, "the latest snapshot is unchanged");
  assert.equal(afterState.device?.lastSeq, before.device?.lastSeq);
  const [event] = (await t.connector.store.listEvents({ types: [eventType], limit: 1000 })).filter((e) => e.data.code === code).slice(-1);
  assert.ok(event, `a ${eventType} event with code ${code} was recorded`);
  assert.equal(afterState.events, before.events + 1, "exactly one event was recorded");
}

describe("agent channel", () => {
  test("an enrolled device authenticates, pushes a signed snapshot and gets an ack after it is stored", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    assert.equal(client.hello.protocol, 1);
    const welcome = await client.authenticate(device);
    assert.deepEqual(welcome, {
      type: "welcome",
      deviceId: device.deviceId,
      interval: 900,
      lastSeq: 0,
      limits: { maxPayload: 64 * 1024, maxClockSkewSeconds: 300, maxSnapshotAgeSeconds: 604800 },
    });
    const ack = await client.sendSnapshot(device, { seq: 1, collectedAt: new Date(clock).toISOString() });
    assert.deepEqual(ack, { type: "ack", seq: 1 });
    const latest = await t.connector.store.latestSnapshot(device.deviceId);
    assert.equal(latest?.seq, 1);
    assert.equal(latest?.facts.hardware?.serial, sampleFacts().hardware?.serial);
    assert.equal((await t.connector.store.getDevice(device.deviceId))?.lastSeq, 1);
    client.close();
  });

  test("welcome tells a reconnecting agent the last accepted seq", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const first = await connected(device);
    assert.equal((await first.sendSnapshot(device, { seq: 7 })).type, "ack");
    first.close();
    const second = await ProtocolClient.connect(t.connector.agentUrl);
    const welcome = await second.authenticate(device);
    assert.equal(welcome.type === "welcome" && welcome.lastSeq, 7);
    second.close();
  });

  test("rejects a snapshot whose signature does not verify", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    await client.sendSnapshot(device, { seq: 1 });
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 2, signWith: generateKeyPair() }), "bad_signature");
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 2, tamper: (b) => b.replace('"seq":2', '"seq":3') }), "bad_signature");
    client.close();
  });

  test("rejects a replayed seq", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    assert.equal((await client.sendSnapshot(device, { seq: 5 })).type, "ack");
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 5 }), "replayed_seq");
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 4 }), "replayed_seq");
    client.close();
  });

  test("rejects a snapshot signed for another session's nonce", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    await client.sendSnapshot(device, { seq: 1 });
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 2, nonce: "x".repeat(43) }), "nonce_mismatch");
    client.close();
  });

  test("rejects a snapshot naming another device", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const other = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 1, deviceId: other.deviceId }), "device_mismatch");
    assert.equal(await t.connector.store.latestSnapshot(other.deviceId), null);
    client.close();
  });

  test("rejects collectedAt too far in the future or too old for the connector's clock", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    await client.sendSnapshot(device, { seq: 1, collectedAt: new Date(clock).toISOString() });
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 2, collectedAt: new Date(clock + 301_000).toISOString() }), "clock_skew");
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 2, collectedAt: new Date(clock - 8 * 86400_000).toISOString() }), "clock_skew");
    // The same snapshot becomes acceptable when the connector's clock catches up.
    const future = new Date(clock + 400_000).toISOString();
    clock += 200_000;
    assert.equal((await client.sendSnapshot(device, { seq: 2, collectedAt: future })).type, "ack");
    client.close();
  });

  test("rejects malformed JSON and frames that do not match the schema, and keeps the session", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    await client.sendSnapshot(device, { seq: 1 });
    await assertRejected(device.deviceId, async () => (client.sendRaw("{not json"), client.next()), "malformed_frame");
    await assertRejected(device.deviceId, async () => (client.sendJson({ type: "snapshot", body: "{}" }), client.next()), "malformed_frame");
    // A signed body that is not JSON: the signature is checked first, then parsing fails.
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 2, tamper: () => "{oops" }), "bad_signature");
    assert.equal((await client.sendSnapshot(device, { seq: 2 })).type, "ack");
    client.close();
  });

  test("rejects a validly signed body that is not a snapshot", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    const { sign } = await import("../../shared/signing/sign.ts");
    const body = JSON.stringify({ hello: "world" });
    const signature = sign("snapshot", Buffer.from(body), device.keys.secretKey).toString("base64");
    await assertRejected(device.deviceId, async () => (client.sendJson({ type: "snapshot", body, signature }), client.next()), "bad_snapshot");
    const notJson = "{oops";
    const notJsonSig = sign("snapshot", Buffer.from(notJson), device.keys.secretKey).toString("base64");
    await assertRejected(device.deviceId, async () => (client.sendJson({ type: "snapshot", body: notJson, signature: notJsonSig }), client.next()), "bad_snapshot");
    client.close();
  });

  test("rejects a snapshot before auth with unexpected_message and closes", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    await assertRejected(device.deviceId, async () => (client.sendJson(client.snapshotFrame(device, { seq: 1 })), client.next()), "unexpected_message", "agent.protocol_error");
    assert.equal((await client.closed).code, 4003);
  });

  test("refuses auth for an unknown device", async () => {
    const ghost: TestDevice = { deviceId: "00000000-0000-4000-8000-000000000000", keys: generateKeyPair() };
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    await assertRejected(ghost.deviceId, () => client.authenticate(ghost), "unknown_device", "agent.auth_failed");
    assert.equal((await client.closed).code, 4001);
  });

  test("refuses auth signed with the wrong key", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    await assertRejected(device.deviceId, () => client.authenticate(device, { signWith: generateKeyPair() }), "bad_signature", "agent.auth_failed");
    assert.equal((await client.closed).code, 4001);
  });

  test("refuses a revoked device at auth and cuts off its open session at once", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    await client.sendSnapshot(device, { seq: 1 });
    const revoked = await t.api(`/v1/devices/${device.deviceId}/revoke`, { method: "POST" });
    assert.equal(revoked.status, 200);
    assert.equal((await client.closed).code, 4004);
    const again = await ProtocolClient.connect(t.connector.agentUrl);
    await assertRejected(device.deviceId, () => again.authenticate(device), "revoked_device", "agent.auth_failed");
    assert.equal((await again.closed).code, 4004);
  });

  test("a snapshot racing a revocation (session still open) is refused by the write transaction", async () => {
    // The session read the device at auth; revoking in the store alone (no hub disconnect) is the
    // window between a revocation's commit and its session close.
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    assert.equal((await client.sendSnapshot(device, { seq: 1 })).type, "ack");
    assert.equal(await t.connector.store.revokeDevice(device.deviceId, clock), true);
    await assertRejected(device.deviceId, () => client.sendSnapshot(device, { seq: 2 }), "revoked_device");
    assert.equal((await client.closed).code, 4004);
  });

  test("closes with 1009 on a frame over maxPayload and records it", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await connected(device);
    await client.sendSnapshot(device, { seq: 1 });
    const before = await stateOf(device.deviceId);
    client.sendRaw("x".repeat(64 * 1024 + 1));
    assert.equal((await client.closed).code, 1009);
    // The event is written after the close; give the event loop a moment.
    for (let i = 0; i < 50; i++) {
      const events = await t.connector.store.listEvents({ types: ["snapshot.rejected"], deviceId: device.deviceId, limit: 10 });
      if (events.some((e) => e.data.code === "frame_too_large")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const afterState = await stateOf(device.deviceId);
    assert.deepEqual(afterState.rows, before.rows);
    assert.deepEqual(afterState.latest, before.latest);
    const events = await t.connector.store.listEvents({ types: ["snapshot.rejected"], deviceId: device.deviceId, limit: 10 });
    assert.ok(events.some((e) => e.data.code === "frame_too_large"));
  });

  test("closes a connection that does not authenticate in time", async () => {
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    const error = await client.next("error", 4000);
    assert.equal(error.type === "error" && error.code, "auth_timeout");
    assert.equal((await client.closed).code, 4002);
  });

  test("a second connection for the same device replaces the first", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const first = await connected(device);
    const second = await connected(device);
    assert.equal((await first.closed).code, 4009);
    assert.equal(t.connector.hub.isConnected(device.deviceId), true);
    assert.equal((await second.sendSnapshot(device, { seq: 1 })).type, "ack");
    second.close();
  });

  test("flags a device reporting a machine id another live device already reported", async () => {
    const a = await enrollTestDevice(t.connector.url, t.enrollToken);
    const b = await enrollTestDevice(t.connector.url, t.enrollToken);
    const facts = sampleFacts({ hardware: { ...sampleFacts().hardware!, machine_id: "clone-machine-id-1", serial: "CLONE-SERIAL", uuid: null } });
    const ca = await connected(a);
    assert.equal((await ca.sendSnapshot(a, { seq: 1, facts })).type, "ack");
    const cb = await connected(b);
    assert.equal((await cb.sendSnapshot(b, { seq: 1, facts })).type, "ack");
    const events = await t.connector.store.listEvents({ types: ["device.duplicate_suspected"], deviceId: b.deviceId, limit: 10 });
    assert.deepEqual(events.map((e) => e.data.field).sort(), ["machine_id", "serial"]);
    assert.deepEqual(events[0]?.data.otherDeviceIds, [a.deviceId]);
    // Not raised again while the value stays the same.
    assert.equal((await cb.sendSnapshot(b, { seq: 2, facts })).type, "ack");
    assert.equal((await t.connector.store.listEvents({ types: ["device.duplicate_suspected"], deviceId: b.deviceId, limit: 10 })).length, 2);
    ca.close();
    cb.close();
  });
});
