/**
 * A replica killed with SIGKILL in the middle of ingest. Two `facet-connector serve` processes
 * share one PostgreSQL schema; real protocol clients push to replica A, A is killed, and the
 * clients reconnect to B as they would through a load balancer. No snapshot a client saw
 * acknowledged may be missing, and every unacknowledged one must end stored: accepted by B, or
 * refused as `replayed_seq` because A had committed it before dying (the client then sees
 * welcome.lastSeq ≥ its seq and treats it as stored).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openStore } from "../../connector/store/open.ts";
import type { Store } from "../../connector/store/types.ts";
import { issueEnrollToken } from "../../connector/tokens/issue.ts";
import { createTestSchema, postgresSkipReason, type TestSchema } from "../support/postgres-schema.ts";
import { enrollTestDevice } from "../support/protocol-client.ts";
import { startReplicaProcess, type ReplicaProcess } from "../support/cluster/replica-process.ts";
import { ResendingAgent } from "../support/cluster/resending-agent.ts";
import { startReplyDroppingProxy, type ReplyDroppingProxy } from "../support/cluster/reply-dropping-proxy.ts";
import { until } from "../support/until.ts";

const skip = await postgresSkipReason();


describe("a replica killed mid-ingest", { skip, timeout: 300_000 }, () => {
  let schema: TestSchema;
  let store: Store;
  let a: ReplicaProcess;
  let b: ReplicaProcess;
  let proxy: ReplyDroppingProxy;

  before(async () => {
    schema = await createTestSchema();
    store = await openStore(schema.url);
    [a, b] = await Promise.all([startReplicaProcess(schema.url, "replica-a"), startReplicaProcess(schema.url, "replica-b")]);
    proxy = await startReplyDroppingProxy(Number(new URL(a.url).port));
  });
  after(async () => {
    await proxy?.close();
    await a?.stop();
    await b?.stop();
    await store?.close();
    await schema?.drop();
  });

  test("loses no acknowledged snapshot, and the unacknowledged ones end stored through B", async (t) => {
    const enroll = (await issueEnrollToken(store, { label: "crash test" }, Date.now())).secret;
    const total = 16; // within the default history of 20, so every seq stays checkable
    // Six agents push straight to A; two go through a relay that swallows A's replies from the
    // moment before the kill, so A commits snapshots whose acks never arrive.
    const direct = await Promise.all(Array.from({ length: 6 }, async () => new ResendingAgent(await enrollTestDevice(a.url, enroll), { total, window: 3, paceMs: 120 })));
    const relayed = await Promise.all(Array.from({ length: 2 }, async () => new ResendingAgent(await enrollTestDevice(a.url, enroll), { total, window: 3, paceMs: 40 })));
    const viaProxy = a.agentUrl.replace(/:\d+\//, `:${proxy.port}/`);
    let aKilled = false;
    const deadline = Date.now() + 90_000;
    const runs = [
      ...direct.map((agent) => agent.run(() => (aKilled ? b.agentUrl : a.agentUrl), deadline)),
      ...relayed.map((agent) => agent.run(() => (aKilled ? b.agentUrl : viaProxy), deadline)),
    ];

    // Mid-ingest: every agent has some acks and none has finished.
    await until("agents acknowledged on A", () => [...direct, ...relayed].every((x) => x.acked.size >= 3), 30_000);
    proxy.dropReplies();
    // A commits the relayed agents' in-flight snapshots; their acks are lost in the relay.
    await until(
      "A committing snapshots whose acks are dropped",
      async () => {
        for (const agent of relayed) {
          const stored = (await store.getDevice(agent.device.deviceId))?.lastSeq ?? 0;
          if (!(agent.unconfirmed.length > 0 && stored >= Math.max(...agent.unconfirmed))) return false;
        }
        return true;
      },
      15_000,
    );
    const unfinished = new Set([...direct, ...relayed].filter((x) => !x.done));
    aKilled = true;
    a.child.kill("SIGKILL");
    assert.equal(await a.exited, "SIGKILL");
    await Promise.all(runs);

    assert.ok(direct.filter((x) => unfinished.has(x)).length >= 3, "A was killed while direct agents were still pushing");
    for (const agent of [...direct, ...relayed]) {
      const id = agent.device.deviceId;
      assert.deepEqual(agent.violations, [], id);
      if (unfinished.has(agent)) assert.ok(agent.connections >= 2, `${id} reconnected to B`);
      const confirmed = [...agent.acked, ...agent.storedOnReplay].sort((x, y) => x - y);
      assert.deepEqual(confirmed, Array.from({ length: total }, (_, i) => i + 1), `${id}: every snapshot confirmed exactly once`);
      const history = (await store.snapshotHistory(id, 100)).map((s) => s.seq).sort((x, y) => x - y);
      assert.deepEqual(history, confirmed, `${id}: every confirmed snapshot is in the store`);
      assert.equal((await store.getDevice(id))?.lastSeq, total);
    }
    // The case the relay makes certain: committed by A, never acked, resent to B, refused as
    // replayed and counted as stored because B's welcome said so.
    for (const agent of relayed) assert.ok(agent.storedOnReplay.length >= 1, `${agent.device.deviceId} resent a snapshot A had committed`);
    assert.equal(b.child.exitCode, null, "B is still running");
    const all = [...direct, ...relayed];
    t.diagnostic(
      `unfinished at kill: ${unfinished.size}/${all.length}; acked ${all.reduce((n, x) => n + x.acked.size, 0)}, ` +
        `stored-on-replay ${all.reduce((n, x) => n + x.storedOnReplay.length, 0)} (direct agents: ${direct.reduce((n, x) => n + x.storedOnReplay.length, 0)})`,
    );
  });
});
