/**
 * Two real connectors (createConnector, real WebSocket and REST on 127.0.0.1) sharing one
 * PostgreSQL schema, with a real protocol client as the agent.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Connector } from "../../connector/app.ts";
import { startTwoReplicas, type TwoReplicas } from "../support/cluster/two-replicas.ts";
import pg from "pg";
import { postgresSkipReason, TEST_DATABASE_URL } from "../support/postgres-schema.ts";
import { enrollTestDevice, ProtocolClient, type TestDevice } from "../support/protocol-client.ts";
import { until } from "../support/until.ts";

const skip = await postgresSkipReason();

describe("two connector replicas on one PostgreSQL", { skip }, () => {
  let replicas: TwoReplicas;
  let a: Connector;
  let b: Connector;
  let admin: string;
  let enroll: string;

  before(async () => {
    replicas = await startTwoReplicas();
    ({ a, b, admin, enroll } = replicas);
  });
  after(async () => {
    await replicas?.close();
  });

  const api = (c: Connector, path: string, init: RequestInit = {}) =>
    fetch(`${c.url}${path}`, { ...init, headers: { authorization: `Bearer ${admin}`, ...(init.headers ?? {}) } });

  async function connectedAgent(on: Connector): Promise<{ device: TestDevice; client: ProtocolClient }> {
    const device = await enrollTestDevice(on.url, enroll);
    const client = await ProtocolClient.connect(on.agentUrl);
    assert.equal((await client.authenticate(device)).type, "welcome");
    return { device, client };
  }

  test("both replicas run the cluster hub", () => {
    assert.equal(a.store.kind, "postgres");
    assert.equal(a.hub.constructor.name, "ClusterAgentHub");
  });

  test("GET on B reports an agent connected to A as connected", async () => {
    const { device, client } = await connectedAgent(a);
    await until("connected on B", async () => ((await (await api(b, `/v1/devices/${device.deviceId}`)).json()) as { connected: boolean }).connected);
    client.close();
    await client.closed;
    await until("disconnected on B", async () => !((await (await api(b, `/v1/devices/${device.deviceId}`)).json()) as { connected: boolean }).connected);
  });

  test("an agent that disconnects reads as disconnected on its own replica at once, before the presence write lands", async () => {
    const { device, client } = await connectedAgent(a);
    await until("presence row", async () => (await b.hub.presence([device.deviceId])).has(device.deviceId));
    // Hold the presence row locked so A's "down" write cannot land while we look.
    const locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query(`SELECT 1 FROM "${replicas.schema.schema}".presence WHERE device_id = $1 FOR UPDATE`, [device.deviceId]);
      client.close();
      await client.closed;
      await until("closed on A", async () => !a.hub.isConnected(device.deviceId));
      const view = (await (await api(a, `/v1/devices/${device.deviceId}`)).json()) as { connected: boolean };
      assert.equal(view.connected, false, "A knows its own agents; a stale row naming A does not count");
    } finally {
      await locker.query("COMMIT");
      await locker.end();
    }
  });

  test("a refresh asked on B reaches the agent on A and B answers with the fresh facts", async () => {
    const { device, client } = await connectedAgent(a);
    assert.equal((await client.sendSnapshot(device, { seq: 1 })).type, "ack");
    await until("presence", async () => (await b.hub.presence([device.deviceId])).has(device.deviceId));
    const agentSide = (async () => {
      const refresh = await client.next("refresh");
      assert.equal(refresh.type, "refresh");
      const answer = await client.sendSnapshot(device, { seq: 2, requestId: (refresh as { requestId: string }).requestId });
      assert.equal(answer.type, "ack");
    })();
    const started = Date.now();
    const response = await api(b, `/v1/devices/${device.deviceId}/refresh?wait=5`, { method: "POST" });
    assert.equal(response.status, 200, await response.clone().text());
    const view = (await response.json()) as { connected: boolean; cached_facts: { data: unknown } | null };
    assert.equal(view.connected, true);
    assert.ok(view.cached_facts);
    assert.ok(Date.now() - started < 5000);
    await agentSide;
    assert.equal((await b.store.getDevice(device.deviceId))?.lastSeq, 2);
    client.close();
  });

  test("revoking on B disconnects the agent on A within a second", async () => {
    const { device, client } = await connectedAgent(a);
    await until("presence", async () => (await b.hub.presence([device.deviceId])).has(device.deviceId));
    const started = Date.now();
    const response = await api(b, `/v1/devices/${device.deviceId}/revoke`, { method: "POST" });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { disconnected: boolean }).disconnected, true);
    const closed = await client.closed;
    assert.equal(closed.code, 4004);
    assert.ok(Date.now() - started < 1000, `closed after ${Date.now() - started} ms`);
  });

  test("an agent that reconnects to the other replica cannot replay an accepted seq", async () => {
    const { device, client } = await connectedAgent(a);
    assert.equal((await client.sendSnapshot(device, { seq: 7 })).type, "ack");
    client.close();
    await client.closed;
    const onB = await ProtocolClient.connect(b.agentUrl);
    const welcome = await onB.authenticate(device);
    assert.equal(welcome.type, "welcome");
    assert.equal((welcome as { lastSeq: number }).lastSeq, 7, "B knows the last seq A accepted");
    const replay = await onB.sendSnapshot(device, { seq: 7 });
    assert.equal(replay.type, "error");
    assert.equal((replay as { code: string }).code, "replayed_seq");
    assert.equal((await onB.sendSnapshot(device, { seq: 8 })).type, "ack");
    onB.close();
  });
});
