import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Collected } from "../collectors/types.ts";
import { FACET_VENDOR_KEY, type Facts } from "../../shared/facts/schema.ts";
import { generateKeyPair, type DeviceKeyPair } from "../../shared/signing/sign.ts";
import { AgentError } from "../errors.ts";
import { saveKeyPair } from "../identity/key-file.ts";
import { statePaths } from "../identity/state-dir.ts";
import { StateStore } from "../identity/state-file.ts";
import { savePending } from "../snapshot/pending.ts";
import { runAgent, type RunAgentOptions } from "./agent-loop.ts";
import { ScriptedConnector } from "../../test/support/scripted-connector.ts";

const DEVICE = "dev_test_1";

/** An enrolled state directory, written the way `enroll` writes it. */
function enrolledStateDir(connectorUrl: string, pair: DeviceKeyPair, seq = 0): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "facet-agent-"));
  const paths = statePaths(dir);
  saveKeyPair(paths.key, pair);
  StateStore.create(paths.state, {
    v: 1,
    deviceId: DEVICE,
    connectorUrl,
    agentPath: "/v1/agent",
    publicKey: Buffer.from(pair.publicKey).toString("base64"),
    enrolledAt: new Date().toISOString(),
    seq,
  });
  return dir;
}

/** Real facts are slow to collect; these tests are about the protocol, so facts are small and counted. */
function countingCollector() {
  let calls = 0;
  const collect = async (): Promise<Collected> => {
    calls += 1;
    const facts: Facts = {
      os: { family: "linux", name: `collection ${calls}`, version: null, arch: "x64" },
      disks: null, network: null, hardware: null, security: null, software: null,
      processes: null, users: null, groups: null, vendor: null,
    };
    return { facts, unknown: { "os.version": "test", disks: "not collected" }, durationMs: 1 };
  };
  return { collect, calls: () => calls };
}

async function withAgent(
  t: { after: (fn: () => Promise<void> | void) => void },
  welcome: Parameters<typeof ScriptedConnector.start>[1] = {},
  extra: Partial<RunAgentOptions> & { seq?: number } = {},
) {
  const pair = generateKeyPair();
  const server = await ScriptedConnector.start(pair.publicKey, welcome);
  const httpUrl = server.url.replace("ws://", "http://").replace("/v1/agent", "");
  const stateDir = enrolledStateDir(httpUrl, pair, extra.seq ?? 0);
  const ac = new AbortController();
  const collector = countingCollector();
  const running = runAgent({
    stateDir,
    signal: ac.signal,
    collect: collector.collect,
    backoff: { baseMs: 20, capMs: 100 },
    handshakeTimeoutMs: 3000,
    // These tests are about snapshots; the device certificate has its own (test/agent/device-certificate.test.ts).
    deviceCertificate: false,
    ...extra,
  });
  let settled = false;
  const result = running.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  ).finally(() => (settled = true));
  t.after(async () => {
    ac.abort();
    await result;
    await server.close();
  });
  return { server, stateDir, ac, collector, result, settled: () => settled, paths: statePaths(stateDir) };
}

test("authenticates by signing the server's nonce, then sends a signed snapshot at connect", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t);
  await server.waitForSnapshots(1);
  const conn = server.connections[0]!;
  assert.equal(conn.auth?.deviceId, DEVICE);
  assert.equal(conn.authSignatureValid, true);
  const snap = server.snapshots[0]!;
  assert.equal(snap.signatureValid, true);
  assert.equal(snap.body.seq, 1);
  assert.equal(snap.body.nonce, conn.nonce);
  assert.equal(snap.body.deviceId, DEVICE);
  assert.deepEqual(snap.body.unknown, { "os.version": "test", disks: "not collected" });
  assert.ok(snap.body.facts.vendor?.[FACET_VENDOR_KEY], "Facet's vendor entry is present");
  assert.deepEqual(server.invalidFrames, []);
});

test("an ack clears the kept snapshot and is recorded in the state", { timeout: 10_000 }, async (t) => {
  const { server, paths } = await withAgent(t);
  await server.waitForSnapshots(1);
  assert.ok(existsSync(paths.pending), "the unacknowledged snapshot is kept on disk");
  server.send(server.connections[0]!, { type: "ack", seq: 1 });
  await server.waitFor(() => !existsSync(paths.pending), "pending snapshot cleared");
  await server.waitFor(() => StateStore.open(paths.state).current.lastAck?.seq === 1, "ack recorded");
});

test("resends the unacknowledged snapshot after a dropped connection: same seq and collectedAt, re-signed for the new nonce", { timeout: 10_000 }, async (t) => {
  const { server, collector } = await withAgent(t);
  await server.waitForSnapshots(1);
  server.connections[0]!.socket.terminate();
  await server.waitForSnapshots(2);
  const [first, second] = [server.snapshots[0]!, server.snapshots[1]!];
  assert.equal(second.connection, 1);
  assert.equal(second.body.seq, first.body.seq);
  assert.equal(second.body.collectedAt, first.body.collectedAt);
  assert.deepEqual(second.body.facts, first.body.facts);
  assert.notEqual(second.nonce, first.nonce);
  assert.equal(second.body.nonce, second.nonce, "signed for the new session's nonce");
  assert.equal(second.signatureValid, true);
  assert.equal(collector.calls(), 1, "resent, not re-collected");
});

test("answers a refresh with fresh facts carrying the requestId under the next seq", { timeout: 10_000 }, async (t) => {
  const { server, collector } = await withAgent(t);
  await server.waitForSnapshots(1);
  const conn = server.connections[0]!;
  server.send(conn, { type: "ack", seq: 1 });
  server.send(conn, { type: "refresh", requestId: "req-42" });
  await server.waitForSnapshots(2);
  const answer = server.snapshots[1]!;
  assert.equal(answer.requestId, "req-42");
  assert.equal(answer.body.seq, 2);
  assert.equal(answer.signatureValid, true);
  assert.equal(answer.body.facts.os?.name, "collection 2");
  assert.equal(collector.calls(), 2);
});

test("sends a snapshot every interval named by the connector's welcome", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t, { interval: 1 });
  await server.waitForSnapshots(3, 5000);
  assert.deepEqual(server.snapshots.map((s) => s.body.seq), [1, 2, 3]);
});

test("a restarted agent resends the snapshot a previous run left unacknowledged", { timeout: 10_000 }, async (t) => {
  const pair = generateKeyPair();
  const server = await ScriptedConnector.start(pair.publicKey);
  t.after(() => server.close());
  const stateDir = enrolledStateDir(server.url.replace("ws://", "http://").replace("/v1/agent", ""), pair);
  for (let run = 0; run < 2; run += 1) {
    const ac = new AbortController();
    const running = runAgent({ stateDir, signal: ac.signal, collect: countingCollector().collect, backoff: { baseMs: 20, capMs: 100 } });
    await server.waitForSnapshots(run + 1);
    ac.abort();
    await running;
  }
  assert.equal(server.snapshots[1]!.body.seq, server.snapshots[0]!.body.seq);
  assert.equal(server.snapshots[1]!.signatureValid, true);
});

test("an unacknowledged snapshot older than maxSnapshotAgeSeconds is dropped and facts re-collected under a new seq", { timeout: 10_000 }, async (t) => {
  const pair = generateKeyPair();
  const server = await ScriptedConnector.start(pair.publicKey, { limits: { maxPayload: 512 * 1024, maxClockSkewSeconds: 300, maxSnapshotAgeSeconds: 60 } });
  t.after(() => server.close());
  const stateDir = enrolledStateDir(server.url.replace("ws://", "http://").replace("/v1/agent", ""), pair, 7);
  const collected = await countingCollector().collect();
  savePending(statePaths(stateDir).pending, { deviceId: DEVICE, seq: 7, collectedAt: new Date(Date.now() - 120_000).toISOString(), facts: collected.facts, unknown: {} });
  const ac = new AbortController();
  const running = runAgent({ stateDir, signal: ac.signal, collect: countingCollector().collect });
  await server.waitForSnapshots(1);
  ac.abort();
  await running;
  assert.equal(server.snapshots[0]!.body.seq, 8);
  assert.ok(Date.now() - Date.parse(server.snapshots[0]!.body.collectedAt) < 10_000);
});

test("moves seq past the connector's lastSeq (a state file restored from backup)", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t, { lastSeq: 50 });
  await server.waitForSnapshots(1);
  assert.equal(server.snapshots[0]!.body.seq, 51);
});

test("on replayed_seq, drops the kept snapshot and sends fresh facts under a seq past lastSeq", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t, { lastSeq: 0 });
  await server.waitForSnapshots(1);
  server.send(server.connections[0]!, { type: "error", code: "replayed_seq", message: "seq 1 ≤ 30", seq: 30 });
  await server.waitForSnapshots(2);
  assert.equal(server.snapshots[1]!.body.seq, 31);
});

test("stops with a clear error instead of reconnecting when the device is revoked", { timeout: 10_000 }, async (t) => {
  const pair = generateKeyPair();
  const server = await ScriptedConnector.start(pair.publicKey);
  t.after(() => server.close());
  server.onAuth = (conn) => server.send(conn, { type: "error", code: "revoked_device", message: "revoked by admin" });
  const stateDir = enrolledStateDir(server.url.replace("ws://", "http://").replace("/v1/agent", ""), pair);
  await assert.rejects(
    runAgent({ stateDir, signal: new AbortController().signal, collect: countingCollector().collect, backoff: { baseMs: 1, capMs: 1 } }),
    (err: unknown) => err instanceof AgentError && err.code === "device_revoked" && err.message.includes(DEVICE),
  );
  assert.equal(server.connections.length, 1, "no reconnect loop");
});

test("stops when the connector does not know the device", { timeout: 10_000 }, async (t) => {
  const pair = generateKeyPair();
  const server = await ScriptedConnector.start(pair.publicKey);
  t.after(() => server.close());
  server.onAuth = (conn) => server.send(conn, { type: "error", code: "unknown_device", message: "who?" });
  const stateDir = enrolledStateDir(server.url.replace("ws://", "http://").replace("/v1/agent", ""), pair);
  await assert.rejects(
    runAgent({ stateDir, signal: new AbortController().signal, collect: countingCollector().collect }),
    (err: unknown) => err instanceof AgentError && err.code === "device_unknown",
  );
});

test("ignores malformed and unexpected frames and carries on", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t);
  server.onAuth = (conn) => {
    server.sendRaw(conn, "{not json");
    server.sendRaw(conn, Buffer.from([1, 2, 3]));
    server.send(conn, { type: "bogus" });
    server.send(conn, { type: "ack", seq: "one" });
    server.send(conn, { type: "refresh", requestId: "too-early" }); // before welcome
    server.send(conn, server.welcomeFrame(conn));
  };
  // The default onAuth ran for the first connection before we replaced it; force a fresh session.
  await server.waitForSnapshots(1);
  server.connections[0]!.socket.terminate();
  await server.waitForSnapshots(2);
  assert.equal(server.snapshots[1]!.signatureValid, true);
  assert.equal(server.snapshots.some((s) => s.requestId === "too-early"), false);
});

test("treats a connection that stops answering pings as dead and reconnects", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t, {}, { heartbeatMs: 150 });
  await server.waitForSnapshots(1);
  // Stop reading on the server side: pings go unanswered, though TCP stays up.
  (server.connections[0]!.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  await server.waitForConnections(2, 3000);
  await server.waitForSnapshots(2);
  assert.equal(server.snapshots[1]!.body.seq, 1, "the unacknowledged snapshot is resent on the new connection");
});

test("shuts down cleanly on abort, keeping the unacknowledged snapshot on disk", { timeout: 10_000 }, async (t) => {
  const { server, ac, result, paths } = await withAgent(t);
  await server.waitForSnapshots(1);
  ac.abort();
  assert.deepEqual(await result, { ok: true });
  const kept = JSON.parse(readFileSync(paths.pending, "utf8"));
  assert.equal(kept.seq, 1);
});

/** A device whose software list stays put while its processes change at every collection. */
function steadyCollector() {
  let calls = 0;
  const software = Array.from({ length: 40 }, (_, i) => ({ name: `package-${i}`, version: `1.${i}.0`, source: "dpkg" }));
  const daemons = Array.from({ length: 12 }, (_, i) => ({ id: 100 + i, name: `/usr/sbin/daemon-${i} --foreground`, user: "root" }));
  const collect = async (): Promise<Collected> => {
    calls += 1;
    const facts: Facts = {
      os: { family: "linux", name: "Debian GNU/Linux", version: "12", arch: "x64", kernel: "6.1.0-test-amd64", build: "6.1.0-test-amd64" },
      disks: null, network: null, hardware: null, security: null, software,
      processes: [...daemons, { id: 1000 + calls, name: `worker ${calls}`, user: "ci" }],
      users: null, groups: null, vendor: null,
    };
    return { facts, unknown: { disks: "not collected" }, durationMs: 1 };
  };
  return collect;
}

const DIGESTS = { features: ["family-digests"] };

/** The first snapshot acked, then a refresh: resolves with the answering snapshot. */
async function ackThenRefresh(server: ScriptedConnector, conn = 0, seq = 1) {
  server.send(server.connections[conn]!, { type: "ack", seq });
  server.send(server.connections[conn]!, { type: "refresh", requestId: `after-${seq}` });
  await server.waitForSnapshots(server.snapshots.length + 1);
  return server.snapshots.at(-1)!;
}

test("with family-digests in the welcome, families unchanged since the acked snapshot go as digests; the rebuilt body is what was signed", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t, DIGESTS, { collect: steadyCollector() });
  await server.waitForSnapshots(1);
  assert.equal(server.connections[0]!.offered, "family-digests", "the agent offers the feature in its upgrade request");
  const first = server.snapshots[0]!;
  assert.deepEqual(first.digested, [], "nothing is acked yet: the first snapshot is full");
  const second = await ackThenRefresh(server);
  assert.deepEqual(second.digested, ["software"], "os is too short for a digest to be worth it");
  assert.deepEqual(second.patched, ["processes"], "one process replaced: sent as one edit of the acked list");
  assert.equal(second.signatureValid, true, "the signature covers the full body the connector rebuilds");
  assert.deepEqual(second.body.facts.software, first.body.facts.software);
  assert.equal(second.body.facts.processes?.at(-1)?.name, "worker 2");
  assert.equal(second.body.facts.processes?.length, 13);
  assert.ok(second.frameBytes < first.frameBytes - 1500, `compact frame ${second.frameBytes} B, full ${first.frameBytes} B`);
  assert.deepEqual(server.invalidFrames, []);
});

test("a connector whose welcome does not list family-digests (an older one) gets full snapshots", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t, {}, { collect: steadyCollector() });
  await server.waitForSnapshots(1);
  const second = await ackThenRefresh(server);
  assert.deepEqual(second.digested, []);
  assert.equal(second.signatureValid, true);
  assert.deepEqual(server.invalidFrames, []);
});

test("on unknown_family_digest the agent resends that snapshot in full under the same seq", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t, DIGESTS, { collect: steadyCollector() });
  await server.waitForSnapshots(1);
  const compact = await ackThenRefresh(server);
  assert.ok(compact.digested.length > 0);
  server.send(server.connections[0]!, { type: "error", code: "unknown_family_digest", message: "restored from backup", seq: compact.body.seq, requestId: "after-1" });
  await server.waitForSnapshots(3);
  const full = server.snapshots[2]!;
  assert.deepEqual(full.digested, []);
  assert.equal(full.body.seq, compact.body.seq);
  assert.equal(full.rawBody, compact.rawBody, "the same signed body, now sent whole");
  assert.equal(full.requestId, "after-1");
  assert.equal(full.signatureValid, true);
});

test("after a reconnect, digests are used only when the welcome's lastSeq is the acked snapshot", { timeout: 10_000 }, async (t) => {
  const { server } = await withAgent(t, DIGESTS, { collect: steadyCollector() });
  await server.waitForSnapshots(1);
  await ackThenRefresh(server);
  server.send(server.connections[0]!, { type: "ack", seq: 2 });
  await server.waitFor(() => server.connections.length === 1, "ack delivered");
  const reconnect = async (lastSeq: number) => {
    server.onAuth = (conn) => server.send(conn, server.welcomeFrame(conn, { ...DIGESTS, lastSeq }));
    const before = server.snapshots.length;
    server.connections.at(-1)!.socket.terminate();
    await server.waitForSnapshots(before + 1);
    return server.snapshots.at(-1)!;
  };
  const same = await reconnect(2);
  assert.ok(same.digested.includes("software"), "the connector holds the acked snapshot: compact");
  const other = await reconnect(7);
  assert.deepEqual(other.digested, [], "the connector holds a snapshot this agent did not see acked: full");
  assert.deepEqual(server.invalidFrames, []);
});

test("a restarted agent whose unacknowledged snapshot the connector stored (lastSeq is its seq) sends the next one compact", { timeout: 10_000 }, async (t) => {
  const pair = generateKeyPair();
  const server = await ScriptedConnector.start(pair.publicKey, DIGESTS);
  t.after(() => server.close());
  const stateDir = enrolledStateDir(server.url.replace("ws://", "http://").replace("/v1/agent", ""), pair);
  const collect = steadyCollector();
  for (let run = 0; run < 2; run += 1) {
    // The second run's connector stored seq 1 but its ack was lost with the first run.
    if (run === 1) server.onAuth = (conn) => server.send(conn, server.welcomeFrame(conn, { ...DIGESTS, lastSeq: 1 }));
    const ac = new AbortController();
    const running = runAgent({ stateDir, signal: ac.signal, collect, backoff: { baseMs: 20, capMs: 100 }, deviceCertificate: false });
    await server.waitForSnapshots(run + 1);
    ac.abort();
    await running;
  }
  const [first, second] = [server.snapshots[0]!, server.snapshots[1]!];
  assert.deepEqual([first.body.seq, second.body.seq], [1, 2]);
  assert.deepEqual(first.digested, []);
  assert.deepEqual(second.digested, ["software"]);
  assert.equal(second.signatureValid, true);
  assert.deepEqual(server.invalidFrames, []);
});
