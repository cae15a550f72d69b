/**
 * Rejection events cannot be used to fill the events table: over a real WebSocket and real HTTP,
 * a flood of failed authentications or enrollments from one address records a few events and
 * one `events.suppressed` summary that counts the rest.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPair } from "../../shared/signing/sign.ts";
import { SUPPRESSED_EVENT } from "../../connector/events/rejections.ts";
import { startTestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollRequest, enrollTestDevice } from "../support/protocol-client.ts";

const limits = { rejectionEventsPerWindow: 5, rejectionWindowMs: 60_000, frameBurst: 1000, framesPerSecond: 1000 };

test("a flood of failed agent authentications from one address records 5 events and a count of the rest", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector({ limits });
  tt.after(() => t.stop());
  const victim = await enrollTestDevice(t.connector.url, t.enrollToken);
  const attempts = 40;
  for (let i = 0; i < attempts; i++) {
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    // Alternate between a real device id with a wrong key and made-up ids: the claimed id is not the source.
    const error = await client.authenticate(victim, { signWith: generateKeyPair(), ...(i % 2 ? { deviceId: `ghost-${i}` } : {}) });
    assert.equal(error.type, "error", "every attempt is still refused");
    await client.closed;
  }
  const before = await t.connector.store.listEvents({ types: ["agent.auth_failed"], limit: 1000 });
  assert.equal(before.length, 5);
  await t.connector.close(); // writes the open window's summary
  const { openStore } = await import("../../connector/store/open.ts");
  const store = await openStore(t.databasePath);
  tt.after(() => store.close());
  const [summary, ...more] = await store.listEvents({ types: [SUPPRESSED_EVENT], limit: 10 });
  assert.equal(more.length, 0);
  assert.equal(summary?.data.type, "agent.auth_failed");
  assert.equal(summary?.data.source, "address:127.0.0.1");
  assert.equal(summary?.data.suppressed, attempts - 5);
});

test("a legitimate device's rejections are limited per device, not lumped with its address", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector({ limits });
  tt.after(() => t.stop());
  // Unauthenticated noise from the same address first uses up the address's budget…
  for (let i = 0; i < 8; i++) {
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    client.sendJson({ type: "snapshot", hmm: true });
    await client.closed;
  }
  // …and an authenticated device replaying a seq is still recorded under its own id.
  const device = await enrollTestDevice(t.connector.url, t.enrollToken);
  const client = await ProtocolClient.connect(t.connector.agentUrl);
  assert.equal((await client.authenticate(device)).type, "welcome");
  assert.equal((await client.sendSnapshot(device, { seq: 1 })).type, "ack");
  const replay = await client.sendSnapshot(device, { seq: 1 });
  assert.equal(replay.type === "error" && replay.code, "replayed_seq");
  client.close();
  const rejected = await t.connector.store.listEvents({ types: ["snapshot.rejected"], deviceId: device.deviceId, limit: 10 });
  assert.deepEqual(rejected.map((e) => e.data.code), ["replayed_seq"]);
  assert.equal((await t.connector.store.listEvents({ types: ["agent.protocol_error"], limit: 100 })).length, 5);
});

test("a flood of refused enrollments records 5 events and a count of the rest", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector({ limits });
  tt.after(() => t.stop());
  for (let i = 0; i < 25; i++) {
    const res = await enrollRequest(t.connector.url, `fce_guess-${i}`);
    assert.equal(res.status, 401, "every attempt is still refused");
  }
  const events = await t.connector.store.listEvents({ types: ["enroll.rejected"], limit: 100 });
  assert.equal(events.length, 5);
  assert.equal(events[0]?.data.remoteAddress, "127.0.0.1");
  await t.connector.close();
  const { openStore } = await import("../../connector/store/open.ts");
  const store = await openStore(t.databasePath);
  tt.after(() => store.close());
  const summaries = await store.listEvents({ types: [SUPPRESSED_EVENT], limit: 10 });
  assert.deepEqual(summaries.map((e) => [e.data.type, e.data.suppressed]), [["enroll.rejected", 20]]);
});
