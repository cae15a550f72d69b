/**
 * Two cluster hubs on one PostgreSQL schema, each with its own store pool and bus connection, as
 * two replicas would have. Agents are in-process stand-ins for sessions: they store a snapshot
 * and report it answered, exactly what a real session does after its ingest commit.
 */
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { ClusterAgentHub } from "../../connector/cluster/hub.ts";
import { RefreshError, type AgentConnection } from "../../connector/agent-channel/hub.ts";
import { PostgresStore } from "../../connector/store/postgres/store.ts";
import { createTestSchema, postgresSkipReason, TEST_DATABASE_URL, type TestSchema } from "../support/postgres-schema.ts";
import { device, enrollToken, write } from "../support/store/fixtures.ts";
import { until } from "../support/until.ts";

const skip = await postgresSkipReason();

class FakeAgent implements AgentConnection {
  closed: { code: number; reason: string; at: number } | null = null;
  seq = 0;
  answer = true;
  constructor(
    readonly deviceId: string,
    private readonly hub: ClusterAgentHub,
    private readonly store: PostgresStore,
  ) {}
  sendRefresh(requestId: string): boolean {
    if (this.closed) return false;
    if (!this.answer) return true;
    void (async () => {
      const w = write(this.deviceId, ++this.seq);
      const [result] = await this.store.writeSnapshots([w]);
      if (result === "accepted") this.hub.answered(this.deviceId, requestId, w.snapshot);
      else this.hub.failed(this.deviceId, requestId, "replayed_seq", "seq replayed");
    })();
    return true;
  }
  close(code: number, reason: string): void {
    this.closed ??= { code, reason, at: Date.now() };
    this.hub.unregister(this);
  }
}

describe("cluster hub across two replicas", { skip }, () => {
  let schema: TestSchema;
  let url: string;
  let stores: PostgresStore[];
  let a: ClusterAgentHub;
  let b: ClusterAgentHub;
  const appName = `facet_hubtest_${process.pid}`;

  before(async () => {
    schema = await createTestSchema();
    const u = new URL(schema.url);
    u.searchParams.set("application_name", appName);
    url = u.toString();
  });
  after(async () => {
    await schema?.drop();
  });
  beforeEach(async () => {
    stores = [await PostgresStore.open(url, { poolSize: 4 }), await PostgresStore.open(url, { poolSize: 4 })];
    a = await ClusterAgentHub.start(stores[0]!, { replicaId: "replica-a", leaseMs: 1500 });
    b = await ClusterAgentHub.start(stores[1]!, { replicaId: "replica-b", leaseMs: 1500 });
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    for (const s of stores) await s.close();
  });

  async function enrolled(id: string): Promise<void> {
    await stores[0]!.createEnrollToken(enrollToken(`t-${id}`), `h-${id}`);
    assert.equal((await stores[0]!.enrollDevice(`h-${id}`, device(id), Date.now())).ok, true);
  }

  test("a device connected to one replica reads as connected on the other", async () => {
    await enrolled("p1");
    const agent = new FakeAgent("p1", a, stores[0]!);
    a.register(agent);
    await until("presence on b", async () => (await b.presence(["p1", "nobody"])).has("p1"));
    assert.deepEqual([...(await b.presence(["p1", "nobody"]))], ["p1"]);
    agent.close(1000, "bye");
    await until("absence on b", async () => !(await b.presence(["p1"])).has("p1"));
  });

  test("a refresh asked on B for an agent on A is relayed and answered through B", async () => {
    await enrolled("r1");
    a.register(new FakeAgent("r1", a, stores[0]!));
    await until("presence on b", async () => (await b.presence(["r1"])).has("r1"));
    const started = Date.now();
    const snapshot = await b.refresh("r1", 3000);
    assert.equal(snapshot.deviceId, "r1");
    assert.equal(snapshot.seq, 1);
    assert.ok(Date.now() - started < 3000);
    assert.equal((await stores[1]!.getDevice("r1"))?.lastSeq, 1);
  });

  test("a relayed refresh the agent never answers fails with timeout at the caller's deadline", async () => {
    await enrolled("r2");
    const agent = new FakeAgent("r2", a, stores[0]!);
    agent.answer = false;
    a.register(agent);
    await until("presence on b", async () => (await b.presence(["r2"])).has("r2"));
    const started = Date.now();
    await assert.rejects(b.refresh("r2", 700), (e: unknown) => e instanceof RefreshError && e.reason === "timeout");
    const took = Date.now() - started;
    assert.ok(took >= 650 && took < 1500, `took ${took} ms`);
  });

  test("a refresh for a device connected nowhere fails at once with not_connected", async () => {
    await enrolled("r3");
    await assert.rejects(b.refresh("r3", 5000), (e: unknown) => e instanceof RefreshError && e.reason === "not_connected");
  });

  test("revoking on B disconnects the agent on A within a second", async () => {
    await enrolled("v1");
    const agent = new FakeAgent("v1", a, stores[0]!);
    a.register(agent);
    await until("presence on b", async () => (await b.presence(["v1"])).has("v1"));
    await stores[1]!.revokeDevice("v1", Date.now());
    const started = Date.now();
    assert.equal(await b.disconnect("v1", "device revoked", 4004), true, "B learns that A closed it");
    assert.ok(agent.closed, "closed on A");
    assert.equal(agent.closed.code, 4004);
    assert.ok(agent.closed.at - started < 1000, `closed after ${agent.closed.at - started} ms`);
    await until("absence on b", async () => !(await b.presence(["v1"])).has("v1"));
  });

  test("an agent reconnecting to the other replica closes its old session there", async () => {
    await enrolled("m1");
    const onA = new FakeAgent("m1", a, stores[0]!);
    a.register(onA);
    await until("presence", async () => (await b.presence(["m1"])).has("m1"));
    const onB = new FakeAgent("m1", b, stores[1]!);
    b.register(onB);
    await until("old session closed", () => onA.closed !== null);
    assert.equal(onA.closed?.code, 4009);
    // B's presence row lands asynchronously after the takeover notice reached A.
    await until("still connected, now through B", async () => (await a.presence(["m1"])).has("m1"));
    const snapshot = await a.refresh("m1", 3000);
    assert.equal(snapshot.seq, 1, "A relays to B now");
  });

  test("a replica that stops renewing (died) stops counting as connected once its lease runs out", async () => {
    await enrolled("x1");
    a.register(new FakeAgent("x1", a, stores[0]!));
    await until("presence on b", async () => (await b.presence(["x1"])).has("x1"));
    // Simulate sudden death: no more renewals, no clean release.
    clearInterval((a as unknown as { sweepTimer: NodeJS.Timeout }).sweepTimer);
    await a.bus.stop();
    const died = Date.now();
    await until("lease expiry", async () => !(await b.presence(["x1"])).has("x1"), 4000);
    assert.ok(Date.now() - died <= 1500 + 500, "within the lease");
  });

  test("recovers from PostgreSQL dropping every connection, without a restart", async () => {
    await enrolled("c1");
    a.register(new FakeAgent("c1", a, stores[0]!));
    await until("presence on b", async () => (await b.presence(["c1"])).has("c1"));
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    const { rows } = await admin.query("SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1", [appName]);
    await admin.end();
    assert.ok(rows[0].n >= 2, `terminated ${rows[0].n} backends (both buses at least)`);
    await until("both buses listening again", () => a.bus.isListening && b.bus.isListening, 5000);
    assert.ok((await b.presence(["c1"])).has("c1"));
    const snapshot = await b.refresh("c1", 3000);
    assert.equal(snapshot.seq, 1);
  });
});
