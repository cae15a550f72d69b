/**
 * Compact snapshots against the real connector (real SQLite file, real sockets): a family unchanged
 * since the acked snapshot travels as its digest, the connector rebuilds the signed body, stores
 * and serves it as if it had come whole, and refuses digests it cannot resolve or that do not
 * rebuild what was signed. The facts are synthetic (a fixed software list, changing processes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import type { Collected } from "../../agent/collectors/types.ts";
import { enroll, runAgent, type SessionEvent } from "../../agent/index.ts";
import { signSnapshot } from "../../agent/snapshot/build.ts";
import type { Facts } from "../../shared/facts/schema.ts";
import { familyDigest, type FamilyDeltas, type FamilyDigests } from "../../shared/protocol/family-digests.ts";
import type { Compaction } from "../../agent/snapshot/baseline.ts";
import { authPayload, ConnectorFrameSchema, type ConnectorFrame } from "../../shared/protocol/messages.ts";
import { sign } from "../../shared/signing/sign.ts";
import type { SnapshotBody } from "../../shared/protocol/snapshot.ts";
import { canonicalBytes, canonicalJson } from "../../shared/signing/canonical.ts";
import { publicKeyFromRaw, verifySignature } from "../../shared/signing/verify.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { createLogger } from "../../connector/log.ts";
import { PublicKeyCache } from "../../connector/agent-channel/key-cache.ts";
import { VerifyPool, type FrameVerifier } from "../../connector/agent-channel/verify-pool.ts";
import { ProtocolClient, enrollTestDevice, type TestDevice } from "../support/protocol-client.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../support/facts.ts";

const SOFTWARE = Array.from({ length: 60 }, (_, i) => ({ name: `package-${i}`, version: `2.${i}.1`, source: "dpkg" }));

function facts(round: number, software = SOFTWARE): Facts {
  return { ...sampleFacts(), software, processes: [{ id: 1, name: "/sbin/init", user: "root" }, { id: 4000 + round, name: `job ${round}`, user: "ci" }] };
}

function body(device: TestDevice, nonce: string, seq: number, f: Facts): SnapshotBody {
  return { v: 1, deviceId: device.deviceId, seq, collectedAt: new Date().toISOString(), nonce, agentVersion: "test", facts: f, unknown: SAMPLE_UNKNOWN };
}

const digestOf = (family: string, value: unknown) => familyDigest(family, canonicalJson(value));

/** A compaction as the agent's baseline makes it: `held` is what the agent believes was acked. */
function compaction(held: Partial<Facts>, digests: FamilyDigests, deltas: FamilyDeltas = {}): Compaction {
  const resolve = (family: string, digest: string) => {
    const value = (held as Record<string, unknown>)[family];
    return value !== undefined && digestOf(family, value) === digest ? { value, text: canonicalJson(value) } : undefined;
  };
  return { digests, deltas, resolve };
}

async function session(t: TestConnector) {
  const device = await enrollTestDevice(t.connector.url, t.enrollToken);
  const client = await ProtocolClient.connect(t.connector.agentUrl);
  assert.equal((await client.authenticate(device)).type, "welcome");
  client.sendJson(signSnapshot(body(device, client.hello.nonce, 1, facts(1)), device.keys.secretKey));
  assert.deepEqual(await client.next(), { type: "ack", seq: 1 });
  return { device, client };
}

test("a compact snapshot is acked, stored as the full signed body, and served like a full one", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const { device, client } = await session(t);
  tt.after(() => client.close());
  const full = body(device, client.hello.nonce, 2, facts(2));
  const held = facts(1);
  const edits = [{ at: 1, remove: 1, insert: [full.facts.processes![1]] }];
  const frame = signSnapshot(full, device.keys.secretKey, undefined, compaction(held, { software: digestOf("software", SOFTWARE) }, { processes: { base: digestOf("processes", held.processes), edits } }));
  assert.ok(frame.digests?.software && !frame.body.includes("package-1"), "the software list is not in the frame");
  assert.ok(frame.deltas?.processes && !frame.body.includes("/sbin/init"), "the processes travel as one edit");
  client.sendJson(frame);
  assert.deepEqual(await client.next(), { type: "ack", seq: 2 });

  const stored = await t.connector.store.latestSnapshot(device.deviceId);
  assert.equal(stored?.seq, 2);
  assert.equal(stored.body, canonicalJson(full), "what is stored is the full body the agent signed");
  assert.ok(verifySignature("snapshot", Buffer.from(stored.body, "utf8"), Buffer.from(stored.signature, "base64"), publicKeyFromRaw(device.keys.publicKey)));
  assert.deepEqual(stored.facts.software, SOFTWARE);

  const served = (await (await t.api(`/v1/devices/${device.deviceId}`)).json()) as { cached_facts: { data: Facts } };
  assert.deepEqual(served.cached_facts.data.software, SOFTWARE);
  assert.equal(served.cached_facts.data.processes?.[1]?.name, "job 2");

  // Against a body the connector rebuilt itself (it reads the families from that body's text).
  const third = body(device, client.hello.nonce, 3, facts(3));
  const after = full.facts;
  client.sendJson(signSnapshot(third, device.keys.secretKey, undefined, compaction(after, { software: digestOf("software", SOFTWARE) }, {
    processes: { base: digestOf("processes", after.processes), edits: [{ at: 1, remove: 1, insert: [third.facts.processes![1]] }] },
  })));
  assert.deepEqual(await client.next(), { type: "ack", seq: 3 });
  const latest = await t.connector.store.latestSnapshot(device.deviceId);
  assert.equal(latest?.body, canonicalJson(third));
});

test("a digest that matches nothing stored is refused with unknown_family_digest and nothing is stored", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const { device, client } = await session(t);
  tt.after(() => client.close());
  const other = SOFTWARE.slice(1);
  const frame = signSnapshot(body(device, client.hello.nonce, 2, facts(2, other)), device.keys.secretKey, undefined, compaction({ software: other }, { software: digestOf("software", other) }));
  client.sendJson(frame);
  const answer = await client.next();
  assert.equal(answer.type === "error" && answer.code, "unknown_family_digest", JSON.stringify(answer));
  assert.equal(answer.type === "error" && answer.seq, 2);
  assert.equal((await t.connector.store.latestSnapshot(device.deviceId))?.seq, 1);
  // The same snapshot sent whole is accepted under the same seq: the refused one was not.
  client.sendJson(signSnapshot(body(device, client.hello.nonce, 2, facts(2, other)), device.keys.secretKey));
  assert.deepEqual(await client.next(), { type: "ack", seq: 2 });
});

test("a changed family claimed unchanged (the old value's digest) is refused: the rebuilt body is not what was signed", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const { device, client } = await session(t);
  tt.after(() => client.close());
  const changed = [...SOFTWARE, { name: "installed-since", version: "1", source: "dpkg" }];
  const signed = signSnapshot(body(device, client.hello.nonce, 2, facts(2, changed)), device.keys.secretKey);
  const compact = JSON.parse(signed.body) as SnapshotBody;
  delete (compact.facts as Partial<Facts>).software;
  client.sendJson({ ...signed, body: canonicalJson(compact), digests: { software: digestOf("software", SOFTWARE) } });
  const answer = await client.next();
  assert.equal(answer.type === "error" && answer.code, "bad_signature", JSON.stringify(answer));
  assert.equal((await t.connector.store.latestSnapshot(device.deviceId))?.seq, 1);
});

test("edits that rebuild another list than the one signed are refused with bad_signature and nothing is stored", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const { device, client } = await session(t);
  tt.after(() => client.close());
  const held = facts(1);
  const signed = signSnapshot(body(device, client.hello.nonce, 2, facts(2)), device.keys.secretKey);
  const compact = JSON.parse(signed.body) as SnapshotBody;
  delete (compact.facts as Partial<Facts>).processes;
  // Drops the changed process instead of replacing it: a list the agent did not sign.
  const deltas = { processes: { base: digestOf("processes", held.processes), edits: [{ at: 1, remove: 1, insert: [] }] } };
  client.sendJson({ ...signed, body: canonicalJson(compact), deltas });
  const answer = await client.next();
  assert.equal(answer.type === "error" && answer.code, "bad_signature", JSON.stringify(answer));
  assert.equal((await t.connector.store.latestSnapshot(device.deviceId))?.seq, 1);
});

/** The frames a raw socket gets up to its welcome, with or without the feature header. */
async function welcomeFor(t: TestConnector, device: TestDevice, headers: Record<string, string>): Promise<ConnectorFrame> {
  const ws = new WebSocket(t.connector.agentUrl, { headers });
  const welcome = new Promise<ConnectorFrame>((resolve) =>
    ws.on("message", (data) => {
      const frame = ConnectorFrameSchema.parse(JSON.parse(data.toString()));
      if (frame.type === "hello") {
        const signature = sign("auth", canonicalBytes(authPayload(device.deviceId, frame.nonce)), device.keys.secretKey).toString("base64");
        ws.send(JSON.stringify({ type: "auth", deviceId: device.deviceId, signature, agentVersion: "test" }));
      } else resolve(frame);
    }),
  );
  try {
    return await welcome;
  } finally {
    ws.close();
  }
}

test("the welcome lists family-digests only for an agent that offered it", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const device = await enrollTestDevice(t.connector.url, t.enrollToken);
  const offered = await welcomeFor(t, device, { "Facet-Agent-Features": "family-digests" });
  assert.deepEqual(offered.type === "welcome" && offered.features, ["family-digests"]);
  const older = await welcomeFor(t, device, {});
  assert.equal(older.type, "welcome");
  assert.equal("features" in older, false, "an agent that offered nothing gets the welcome older agents parse");
});

test("the real agent sends its second snapshot compact to the real connector, which serves the same facts", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "facet-agent-digests-"));
  const { deviceId } = await enroll({ url: t.connector.url, token: t.enrollToken, stateDir, username: "ada" });
  let round = 0;
  const collect = async (): Promise<Collected> => ({ facts: facts(++round), unknown: SAMPLE_UNKNOWN, durationMs: 0 });
  const events: SessionEvent[] = [];
  const ac = new AbortController();
  const running = runAgent({ stateDir, signal: ac.signal, collect, deviceCertificate: false, onEvent: (e) => events.push(e) });
  tt.after(async () => {
    ac.abort();
    await running;
  });
  const until = async (pred: () => boolean, what: string) => {
    for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(pred(), `timed out waiting for ${what}: ${JSON.stringify(events)}`);
  };
  await until(() => events.some((e) => e.type === "ack" && e.seq === 1), "ack 1");
  const res = await t.api(`/v1/devices/${deviceId}/refresh?wait=5`, { method: "POST" });
  assert.equal(res.status, 200, await res.clone().text());
  await until(() => events.some((e) => e.type === "ack" && e.seq === 2), "ack 2");
  const sent = events.filter((e): e is Extract<SessionEvent, { type: "sent" }> => e.type === "sent");
  assert.deepEqual(sent[0]!.digested, []);
  assert.ok(sent[1]!.digested.includes("software") && !sent[1]!.digested.includes("processes"), JSON.stringify(sent[1]));
  assert.ok(sent[1]!.bytes < sent[0]!.bytes, `compact ${sent[1]!.bytes} B < full ${sent[0]!.bytes} B`);
  const served = (await (await t.api(`/v1/devices/${deviceId}`)).json()) as { cached_facts: { data: Facts } };
  assert.deepEqual(served.cached_facts.data.software, SOFTWARE);
  assert.equal(served.cached_facts.data.processes?.[1]?.name, "job 2");
});

test("in steady state each compact frame is checked once, the latest body sent with it; a full frame between them is checked as full", { timeout: 30_000 }, async (tt) => {
  const pool = new VerifyPool({ size: 0, log: createLogger("silent"), keys: new PublicKeyCache() });
  const checks: string[] = [];
  const verifier: FrameVerifier = {
    verify(bytes, publicKey, latest, move) {
      checks.push(latest === undefined ? "alone" : "with latest");
      return pool.verify(bytes, publicKey, latest, move);
    },
    verifyAuth: (proof) => pool.verifyAuth(proof),
    threads: 0,
    start: () => pool.start(),
    close: () => pool.close(),
  };
  const t = await startTestConnector({ verifier });
  tt.after(() => t.stop());
  const { device, client } = await session(t);
  tt.after(() => client.close());
  const send = async (seq: number, compact: boolean) => {
    checks.length = 0;
    const held = facts(seq - 1);
    const full = body(device, client.hello.nonce, seq, facts(seq));
    client.sendJson(signSnapshot(full, device.keys.secretKey, undefined, compact ? compaction(held, { software: digestOf("software", SOFTWARE) }) : undefined));
    assert.deepEqual(await client.next(), { type: "ack", seq });
    assert.equal((await t.connector.store.latestSnapshot(device.deviceId))?.body, canonicalJson(full));
    return [...checks];
  };

  assert.deepEqual(await send(2, true), ["alone", "with latest"], "the first compact frame: its thread says so, then it is rebuilt");
  assert.deepEqual(await send(3, true), ["with latest"], "the next: rebuilt at once");
  assert.deepEqual(await send(4, false), ["with latest"], "a full frame given a latest body it does not need");
  assert.deepEqual(await send(5, true), ["alone", "with latest"]);
});
