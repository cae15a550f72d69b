/**
 * The agent channel's isolation from its own load, through a real connector on a real SQLite file
 * with real verify threads: a flood of snapshots is left unread in the agent's send buffer while
 * the ingest queue is full (REST still answers), a verify thread that dies costs no snapshot and
 * acks none it did not check, and shutdown stops the threads. Timing belongs to `npm run bench`;
 * nothing here measures time.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../connector/log.ts";
import { PublicKeyCache } from "../../connector/agent-channel/key-cache.ts";
import type { FrameVerdict } from "../../connector/agent-channel/frame-verdict.ts";
import { VerifyPool, type FrameVerifier } from "../../connector/agent-channel/verify-pool.ts";
import type { AuthProof } from "../../connector/agent-channel/auth-signature.ts";
import type { ConnectorLimits } from "../../connector/options.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollTestDevice, type TestDevice } from "../support/protocol-client.ts";
import { sampleFacts } from "../support/facts.ts";
import { until } from "../support/until.ts";
import { dyingVerifyThreads } from "../support/verify-threads.ts";

/** The real pool, whose verdicts are held back while `held`: the ingest queue cannot drain meanwhile. */
class HeldVerifier implements FrameVerifier {
  held = true;
  private waiting: Array<() => void> = [];
  constructor(private readonly pool: VerifyPool) {}
  get threads() {
    return this.pool.threads;
  }
  start() {
    this.pool.start();
  }
  async verify(bytes: Uint8Array, publicKey: string | null): Promise<FrameVerdict> {
    const verdict = await this.pool.verify(bytes, publicKey);
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return verdict;
  }
  verifyAuth(proof: AuthProof): Promise<boolean> {
    return this.pool.verifyAuth(proof);
  }
  release(): void {
    this.held = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  close() {
    return this.pool.close();
  }
}

/** A gauge as /metrics would show it (read in-process: the polling is not the REST request under test). */
async function gauge(t: TestConnector, name: string): Promise<number> {
  const text = (await t.connector.metrics.exposition()).body;
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return Number(line?.split(" ")[1]);
}

// ~100 KB bodies: 100 of them are more than the loopback socket buffers hold between two peers.
const FLOOD = 100;
const bigFacts = () => ({ ...sampleFacts(), software: Array.from({ length: 1200 }, (_, i) => ({ name: `synthetic-package-${i}`, version: `1.${i}.0-1`, source: "dpkg" })) });

async function flood(maxIngestQueue: number) {
  const limits: Partial<ConnectorLimits> = { maxIngestQueue, maxPendingFrames: 10_000, frameBurst: 10_000, framesPerSecond: 10_000, maxPayload: 1024 * 1024 };
  const verifier = new HeldVerifier(new VerifyPool({ size: 2, log: createLogger("silent"), keys: new PublicKeyCache() }));
  const t = await startTestConnector({ limits, verifier });
  const device = await enrollTestDevice(t.connector.url, t.enrollToken);
  const client = await ProtocolClient.connect(t.connector.agentUrl);
  assert.equal((await client.authenticate(device)).type, "welcome");
  const facts = bigFacts();
  for (let seq = 1; seq <= FLOOD; seq++) client.sendJson(client.snapshotFrame(device, { seq, facts }));
  return { t, client, device, verifier };
}

async function drain({ t, client, verifier }: Awaited<ReturnType<typeof flood>>) {
  verifier.release();
  const acks: number[] = [];
  for (let i = 0; i < FLOOD; i++) {
    const answer = await client.next(undefined, 60_000);
    assert.equal(answer.type, "ack", JSON.stringify(answer));
    acks.push((answer as { seq: number }).seq);
  }
  assert.deepEqual(acks, Array.from({ length: FLOOD }, (_, i) => i + 1), "every snapshot acked, in order");
  await until("the agent's send buffer is empty", () => client.ws.bufferedAmount === 0, 30_000);
  assert.equal(await gauge(t, "facet_agent_sockets_paused"), 0);
  client.close();
}

describe("back-pressure: a flood of snapshots while the ingest queue is full", () => {
  test("is not read: it waits in the agent's send buffer, the connector holds a few frames, REST answers", async () => {
    const run = await flood(4);
    const { t, client } = run;
    try {
      await until("the connector stops reading the agent", async () => (await gauge(t, "facet_agent_sockets_paused")) === 1, 30_000);
      await until("the agent's unsent bytes pile up", () => client.ws.bufferedAmount > 2 * 1024 * 1024, 30_000);
      const queued = await gauge(t, "facet_ingest_queue_frames");
      assert.ok(queued >= 4 && queued < FLOOD / 4, `${queued} frames queued of ${FLOOD} sent`);
      assert.equal((await t.api("/healthz", { token: null })).status, 200);
      await drain(run);
    } finally {
      await t.stop();
    }
  });

  test("shutdown while agents are not being read closes them, without waiting for ws's 30 s close timeout", async () => {
    const { t, client } = await flood(4);
    await until("the connector stops reading the agent", async () => (await gauge(t, "facet_agent_sockets_paused")) === 1, 30_000);
    const started = Date.now();
    await t.stop();
    // Loose on purpose: it separates reading the agent's close answer from ws giving up after 30 s.
    assert.ok(Date.now() - started < 25_000, `stop took ${Date.now() - started} ms`);
    assert.equal((await client.closed).code, 1001);
  });

  test("(baseline) with a queue large enough for the flood, the connector reads all of it", async () => {
    const run = await flood(10_000);
    const { t } = run;
    try {
      await until("every frame is queued", async () => (await gauge(t, "facet_ingest_queue_frames")) === FLOOD, 30_000);
      assert.equal(await gauge(t, "facet_agent_sockets_paused"), 0);
      await drain(run);
    } finally {
      await t.stop();
    }
  });
});

test("with one agent-socket read per turn, floods from several agents are all stored and acked in order", async () => {
  const limits: Partial<ConnectorLimits> = { agentReadsPerTurn: 1, maxPendingFrames: 10_000, frameBurst: 10_000, framesPerSecond: 10_000, maxPayload: 1024 * 1024 };
  const t = await startTestConnector({ limits });
  try {
    const facts = bigFacts();
    const agents = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const device = await enrollTestDevice(t.connector.url, t.enrollToken, { hostname: `flood-${i}` });
        const client = await ProtocolClient.connect(t.connector.agentUrl);
        assert.equal((await client.authenticate(device)).type, "welcome");
        return { device, client };
      }),
    );
    const perAgent = 25;
    for (const { device, client } of agents) for (let seq = 1; seq <= perAgent; seq++) client.sendJson(client.snapshotFrame(device, { seq, facts }));
    assert.equal((await t.api("/healthz", { token: null })).status, 200);
    for (const { device, client } of agents) {
      const acks: number[] = [];
      for (let i = 0; i < perAgent; i++) {
        const answer = await client.next(undefined, 60_000);
        assert.equal(answer.type, "ack", JSON.stringify(answer));
        acks.push((answer as { seq: number }).seq);
      }
      assert.deepEqual(acks, Array.from({ length: perAgent }, (_, i) => i + 1));
      assert.equal((await t.connector.store.getDevice(device.deviceId))?.lastSeq, perAgent);
      client.close();
    }
  } finally {
    await t.stop();
  }
});

describe("a verify thread dies while checking a snapshot", () => {
  async function connectorWithThreads(deaths: number) {
    const threads = dyingVerifyThreads(deaths);
    const verifier = new VerifyPool({ size: 1, log: createLogger("silent"), keys: new PublicKeyCache(), spawn: threads.spawn });
    const t = await startTestConnector({ verifier });
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    assert.equal((await client.authenticate(device)).type, "welcome");
    return { t, device, client, threads };
  }

  async function storedSeqs(t: TestConnector, device: TestDevice): Promise<number[]> {
    return (await t.connector.store.snapshotHistory(device.deviceId, 100)).map((s) => s.seq).sort((a, b) => a - b);
  }

  test("once: a new thread checks it, it is stored and acked once; shutdown stops every thread", async () => {
    const { t, device, client, threads } = await connectorWithThreads(1);
    try {
      assert.deepEqual(await client.sendSnapshot(device, { seq: 1 }), { type: "ack", seq: 1 });
      assert.deepEqual(await client.sendSnapshot(device, { seq: 2 }), { type: "ack", seq: 2 });
      assert.deepEqual(await storedSeqs(t, device), [1, 2]);
      assert.equal(threads.started.length, 2, "the dead thread was replaced once");
      client.close();
    } finally {
      const exits = threads.started.map((w) => new Promise((resolve) => (w.threadId === -1 ? resolve(null) : w.once("exit", resolve))));
      await t.stop();
      await Promise.all(exits);
    }
  });

  test("twice: it is neither stored nor acked, and the agent's resend is", async () => {
    const { t, device, client } = await connectorWithThreads(2);
    try {
      const answer = await client.sendSnapshot(device, { seq: 1 });
      assert.equal(answer.type === "error" && answer.code, "internal", JSON.stringify(answer));
      assert.deepEqual(await storedSeqs(t, device), []);
      assert.equal((await t.connector.store.getDevice(device.deviceId))?.lastSeq, 0);
      assert.deepEqual(await client.sendSnapshot(device, { seq: 1 }), { type: "ack", seq: 1 });
      assert.deepEqual(await storedSeqs(t, device), [1]);
      client.close();
    } finally {
      await t.stop();
    }
  });
});
