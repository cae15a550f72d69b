/**
 * The PostgreSQL server itself crashes and comes back, under two replicas with agents pushing.
 * database-connections-killed.test.ts drops connections on a server that stays up; here the
 * server is gone for a while (connections refused, then "starting up" during crash recovery), so
 * the test runs its own private server (test/support/cluster/private-postgres.ts) and never touches the
 * shared one.
 *
 * While the database is down, the replicas must stay up and answer REST with a clear error, in
 * bounded time. Once it is back, without restarting anything: every snapshot acknowledged before
 * the crash is in the store, the agents finish on their own, an agent that stayed connected
 * through the outage is served again, and the LISTEN/NOTIFY bus works again (a refresh and a
 * revoke asked on B reach the agent on A).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openStore } from "../../connector/store/open.ts";
import type { PostgresStore } from "../../connector/store/postgres/store.ts";
import type { Store } from "../../connector/store/types.ts";
import { issueApiToken, issueEnrollToken } from "../../connector/tokens/issue.ts";
import { enrollTestDevice, ProtocolClient, type TestDevice } from "../support/protocol-client.ts";
import { until } from "../support/until.ts";
import { createPrivatePostgres, privatePostgresSkipReason, type PrivatePostgres } from "../support/cluster/private-postgres.ts";
import { startReplicaProcess, type ReplicaProcess } from "../support/cluster/replica-process.ts";
import { ResendingAgent } from "../support/cluster/resending-agent.ts";

const skip = privatePostgresSkipReason();

describe("the PostgreSQL server crashes and restarts under two replicas", { skip, timeout: 90_000 }, () => {
  let server: PrivatePostgres | undefined;
  let store: Store | undefined;
  let a: ReplicaProcess | undefined;
  let b: ReplicaProcess | undefined;
  const clients: ProtocolClient[] = [];

  before(async () => {
    server = await createPrivatePostgres();
    store = await openStore(server.url);
    // A 6 s lease makes the periodic sweep (lease/3) slower than the revoke bound below, so a
    // revoke that arrives in time came over the bus, not from the sweep covering for it.
    [a, b] = await Promise.all([
      startReplicaProcess(server.url, "replica-a", { leaseMs: 6000 }),
      startReplicaProcess(server.url, "replica-b", { leaseMs: 6000 }),
    ]);
  });
  // Runs after a failed test too: the replicas first (they hold connections), then the server.
  after(async () => {
    for (const c of clients) c.ws.terminate();
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await store?.close().catch(() => {});
    server?.destroy();
  });

  test("replicas stay up, answer errors while it is down, and recover everything once it is back", async (t) => {
    assert.ok(server && store && a && b);
    const [ra, rb, db, st]: [ReplicaProcess, ReplicaProcess, PrivatePostgres, Store] = [a, b, server, store];
    const now = Date.now();
    const enroll = (await issueEnrollToken(st, { label: "db crash test" }, now)).secret;
    const apiToken = (await issueApiToken(st, { name: "test admin", scopes: ["admin"] }, now)).secret;
    const api = (on: ReplicaProcess, path: string, init: RequestInit = {}) =>
      fetch(`${on.url}${path}`, { ...init, headers: { authorization: `Bearer ${apiToken}` }, signal: AbortSignal.timeout(15_000) });
    const pids = [ra.child.pid, rb.child.pid];

    // Agents connected to A that stay connected through the outage: one answers a refresh asked
    // on B afterwards, one is revoked on B afterwards, and one keeps sending on its old session.
    const connectIdle = async (): Promise<[TestDevice, ProtocolClient]> => {
      const device = await enrollTestDevice(ra.url, enroll);
      const client = await ProtocolClient.connect(ra.agentUrl);
      client.ws.on("error", () => {});
      clients.push(client);
      assert.equal((await client.authenticate(device)).type, "welcome");
      return [device, client];
    };
    const [refreshed, refreshedClient] = await connectIdle();
    // Answers every refresh request, as an agent does, with the next seq.
    let refreshSeq = 0;
    refreshedClient.ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; requestId?: string };
      if (frame.type === "refresh") refreshedClient.sendJson(refreshedClient.snapshotFrame(refreshed, { seq: ++refreshSeq, requestId: frame.requestId! }));
    });
    const [revoked, revokedClient] = await connectIdle();
    const [steady, steadyClient] = await connectIdle();
    assert.equal((await steadyClient.sendSnapshot(steady, { seq: 1 })).type, "ack");

    const total = 14;
    const agents = await Promise.all(
      Array.from({ length: 6 }, async () => new ResendingAgent(await enrollTestDevice(ra.url, enroll), { total, window: 1, paceMs: 50 })),
    );
    const deadline = Date.now() + 60_000;
    const runs = agents.map((agent, i) => agent.run(() => (i % 2 ? rb.agentUrl : ra.agentUrl), deadline));
    const tail = (r: ReplicaProcess) => `--- ${r.id} (exit: ${r.child.exitCode ?? r.child.signalCode ?? "running"}) ---\n${r.logs().trim().split("\n").slice(-30).join("\n")}`;
    const failWith = async (err: unknown): Promise<never> => {
      for (const agent of agents) agent.stop();
      await Promise.allSettled(runs);
      throw new Error(`${(err as Error).message}\n${tail(ra)}\n${tail(rb)}\n--- postgres ---\n${db.log().split("\n").slice(-20).join("\n")}`, { cause: err });
    };

    let ackedBeforeCrash = new Map<string, number[]>();
    let outage: { status: number; error: string | undefined; ms: number }[] = [];
    let downFor = 0;
    try {
      await until("every agent past 4 acks", () => agents.every((x) => x.acked.size + x.storedOnReplay.length >= 4), 30_000);
      const crashedAt = Date.now();
      db.crash();
      // What the agents had confirmed when the server died: all of it must survive.
      ackedBeforeCrash = new Map(agents.map((x) => [x.device.deviceId, [...x.acked, ...x.storedOnReplay]]));

      // Down: REST on both replicas answers an error, promptly, and the processes stay up.
      outage = await Promise.all(
        [ra, rb, rb].map(async (on, i) => {
          const started = Date.now();
          const r = await api(on, i === 2 ? `/v1/devices/${refreshed.deviceId}/refresh?wait=2` : `/v1/devices/${steady.deviceId}`, i === 2 ? { method: "POST" } : {});
          const body = (await r.json().catch(() => ({}))) as { error?: { code?: string } | string };
          return { status: r.status, error: typeof body.error === "string" ? body.error : body.error?.code, ms: Date.now() - started };
        }),
      );
      // Longer than the listener's backoff cap (2 s) and a few lease periods (1 s here), so the
      // replicas' timers all run against a dead database at least once.
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual([ra.child.exitCode, rb.child.exitCode], [null, null], "both replicas survive the outage");
      db.start();
      downFor = Date.now() - crashedAt;
      await Promise.all(runs);
    } catch (err) {
      await failWith(err);
    }

    for (const o of outage) {
      assert.deepEqual([o.status, o.error], [503, "store_unavailable"], "a clear, retryable error while the database is down");
      assert.ok(o.ms < 10_000, `answered in ${o.ms} ms, not left hanging`);
    }
    assert.deepEqual([ra.child.exitCode, rb.child.exitCode], [null, null], "both replicas still running");
    assert.deepEqual([ra.child.pid, rb.child.pid], pids, "the same processes: recovered, not restarted");

    // Nothing acknowledged is lost, and every agent finished its run on its own.
    for (const agent of agents) {
      const id = agent.device.deviceId;
      assert.deepEqual(agent.violations, [], id);
      const stored = new Set((await st.snapshotHistory(id, 100)).map((s) => s.seq));
      for (const seq of ackedBeforeCrash.get(id) ?? []) assert.ok(stored.has(seq), `${id}: seq ${seq}, acked before the crash, survived it`);
      const confirmed = [...agent.acked, ...agent.storedOnReplay].sort((x, y) => x - y);
      assert.deepEqual(confirmed, Array.from({ length: total }, (_, i) => i + 1), `${id}: every snapshot confirmed exactly once`);
      assert.deepEqual([...stored].sort((x, y) => x - y), confirmed, `${id}: every confirmed snapshot is in the store`);
    }

    // The agent that stayed connected on A through the outage is served on its old session.
    assert.equal((await steadyClient.sendSnapshot(steady, { seq: 2 })).type, "ack", "a session that outlived the outage stores again");
    assert.equal((await st.latestSnapshot(steady.deviceId))?.seq, 2);

    // Both replicas LISTEN again, on new connections (the server is private: only they are here).
    await until("both replicas' bus listeners are back", async () => {
      const { rows } = await (st as PostgresStore).pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'facet-connector-bus' AND query LIKE 'LISTEN %'",
      );
      return rows[0]!.n === 2;
    }, 15_000);
    // The bus carries messages again: a refresh asked on B reaches the agent on A and comes back.
    await until("A's presence for its agents is live again", async () => {
      const r = await api(rb, `/v1/devices/${refreshed.deviceId}`);
      return r.status === 200 && ((await r.json()) as { connected: boolean }).connected;
    }, 15_000);
    const refresh = await api(rb, `/v1/devices/${refreshed.deviceId}/refresh?wait=5`, { method: "POST" });
    assert.equal(refresh.status, 200, `refresh relayed from B to A: ${await refresh.clone().text()}`);
    assert.ok(refreshSeq >= 1, "the agent on A was asked");
    assert.equal((await st.latestSnapshot(refreshed.deviceId))?.seq, refreshSeq, "the answer to the relayed refresh was stored");
    // And a revoke on B closes the agent's session on A, promptly.
    const started = Date.now();
    assert.equal((await api(rb, `/v1/devices/${revoked.deviceId}/revoke`, { method: "POST" })).status, 200);
    assert.equal((await revokedClient.closed).code, 4004);
    const revokeMs = Date.now() - started;
    assert.ok(revokeMs < 1000, `revoked agent closed after ${revokeMs} ms (the sweep would take up to 2 s)`);

    if (process.env.FACET_TEST_DUMP_LOGS) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${process.env.FACET_TEST_DUMP_LOGS}-a.log`, ra.logs());
      writeFileSync(`${process.env.FACET_TEST_DUMP_LOGS}-b.log`, rb.logs());
      writeFileSync(`${process.env.FACET_TEST_DUMP_LOGS}-pg.log`, db.log());
    }
    t.diagnostic(
      `down for ${downFor} ms; REST while down: ${outage.map((o) => `${o.status} ${o.error} in ${o.ms} ms`).join(", ")}; ` +
        `acked before the crash: ${[...ackedBeforeCrash.values()].reduce((n, s) => n + s.length, 0)}; ` +
        `internal errors seen by agents: ${agents.reduce((n, x) => n + x.internalErrors, 0)}; ` +
        `stored-on-replay: ${agents.reduce((n, x) => n + x.storedOnReplay.length, 0)}; reconnects: ${agents.reduce((n, x) => n + x.connections - 1, 0)}; ` +
        `revoke relayed in ${revokeMs} ms`,
    );
  });
});
