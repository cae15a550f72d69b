/**
 * PostgreSQL dropping every connection of the replicas under load — what a database restart or
 * failover does to them — without stopping the shared test server: the test terminates the
 * replicas' backends with pg_terminate_backend (picked by a per-run application_name) while
 * agents push, twice. The replicas must recover on their own (same processes, new connections),
 * lose no acknowledged snapshot, and keep coordinating (presence leases, revoke relay).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore } from "../../connector/store/open.ts";
import type { Store } from "../../connector/store/types.ts";
import { issueApiToken, issueEnrollToken } from "../../connector/tokens/issue.ts";
import { createTestSchema, postgresSkipReason, TEST_DATABASE_URL, type TestSchema } from "../support/postgres-schema.ts";
import { enrollTestDevice, ProtocolClient } from "../support/protocol-client.ts";
import { startReplicaProcess, type ReplicaProcess } from "../support/cluster/replica-process.ts";
import { ResendingAgent } from "../support/cluster/resending-agent.ts";
import { until } from "../support/until.ts";

const skip = await postgresSkipReason();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PostgreSQL drops the replicas' connections under load", { skip, timeout: 120_000 }, () => {
  const applicationName = `facet_kill_${randomBytes(4).toString("hex")}`;
  let schema: TestSchema;
  let store: Store;
  let admin: pg.Client;
  let a: ReplicaProcess;
  let b: ReplicaProcess;

  before(async () => {
    schema = await createTestSchema();
    store = await openStore(schema.url);
    // Only the replicas carry this name, so other runs sharing the server are never touched.
    const url = new URL(schema.url);
    url.searchParams.set("application_name", applicationName);
    [a, b] = await Promise.all([startReplicaProcess(url.toString(), "replica-a"), startReplicaProcess(url.toString(), "replica-b")]);
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await admin?.end();
    await store?.close();
    await schema?.drop();
  });

  async function terminateReplicaBackends(): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) killed",
      [applicationName],
    );
    return rows[0]!.n;
  }

  test("replicas recover without restarting, no acknowledged snapshot is lost, coordination resumes", async (t) => {
    const now = Date.now();
    const enroll = (await issueEnrollToken(store, { label: "db restart test" }, now)).secret;
    const apiToken = (await issueApiToken(store, { name: "test admin", scopes: ["admin"] }, now)).secret;
    const api = (on: ReplicaProcess, path: string, init: RequestInit = {}) => fetch(`${on.url}${path}`, { ...init, headers: { authorization: `Bearer ${apiToken}` } });
    const pids = [a.child.pid, b.child.pid];

    // An idle agent on A that stays connected throughout: its presence lease must keep being
    // renewed, and a revoke on B must still reach it, once the connections are back.
    const idle = await enrollTestDevice(a.url, enroll);
    const idleClient = await ProtocolClient.connect(a.agentUrl);
    idleClient.ws.on("error", () => {});
    assert.equal((await idleClient.authenticate(idle)).type, "welcome");

    const total = 16;
    const agents = await Promise.all(
      Array.from({ length: 8 }, async () => new ResendingAgent(await enrollTestDevice(a.url, enroll), { total, window: 1, paceMs: 60 })),
    );
    const deadline = Date.now() + 90_000;
    // Half on each replica; after a failure an agent tries the same replica again.
    const runs = agents.map((agent, i) => agent.run(() => (i % 2 ? b.agentUrl : a.agentUrl), deadline));

    const killed: number[] = [];
    try {
      for (const progress of [3, 8]) {
        await until(`every agent past ${progress} acks`, () => agents.every((x) => x.acked.size + x.storedOnReplay.length >= progress), 40_000);
        // A burst, so some terminations land inside a transaction or a presence write, not only
        // on idle pooled connections.
        let n = 0;
        for (let i = 0; i < 5; i++, await sleep(80)) n += await terminateReplicaBackends();
        killed.push(n);
      }
      await Promise.all(runs);
    } catch (err) {
      for (const agent of agents) agent.stop();
      await Promise.allSettled(runs);
      const tail = (r: ReplicaProcess) => `--- ${r.id} (exit: ${r.child.exitCode ?? r.child.signalCode ?? "running"}) ---\n${r.logs().trim().split("\n").slice(-40).join("\n")}`;
      throw new Error(`${(err as Error).message}\n${tail(a)}\n${tail(b)}`, { cause: err });
    }

    assert.ok(killed.every((n) => n >= 2), `each round terminated the replicas' connections (${killed.join(", ")})`);
    assert.deepEqual([a.child.exitCode, b.child.exitCode], [null, null], "both replicas still running");
    assert.deepEqual([a.child.pid, b.child.pid], pids, "the same processes: recovered, not restarted");
    for (const agent of agents) {
      const id = agent.device.deviceId;
      assert.deepEqual(agent.violations, [], id);
      const confirmed = [...agent.acked, ...agent.storedOnReplay].sort((x, y) => x - y);
      assert.deepEqual(confirmed, Array.from({ length: total }, (_, i) => i + 1), `${id}: every snapshot confirmed exactly once`);
      const history = (await store.snapshotHistory(id, 100)).map((s) => s.seq).sort((x, y) => x - y);
      assert.deepEqual(history, confirmed, `${id}: every confirmed snapshot is in the store`);
    }

    // Presence: after more than a lease (1 s here) the idle agent still reads as connected on B,
    // so A renewed its lease on a new connection.
    await sleep(2500);
    const view = (await (await api(b, `/v1/devices/${idle.deviceId}`)).json()) as { connected: boolean };
    assert.equal(view.connected, true, "A's presence lease was renewed after the connections were dropped");
    // Revoke relay: B's NOTIFY reaches A's re-established LISTEN connection.
    const started = Date.now();
    assert.equal((await api(b, `/v1/devices/${idle.deviceId}/revoke`, { method: "POST" })).status, 200);
    assert.equal((await idleClient.closed).code, 4004);
    assert.ok(Date.now() - started < 1000, `revoked agent closed after ${Date.now() - started} ms`);

    t.diagnostic(
      `backends terminated per burst: ${killed.join(", ")}; internal errors seen by agents: ${agents.reduce((n, x) => n + x.internalErrors, 0)}; ` +
        `stored-on-replay: ${agents.reduce((n, x) => n + x.storedOnReplay.length, 0)}; reconnects: ${agents.reduce((n, x) => n + x.connections - 1, 0)}`,
    );
  });
});
