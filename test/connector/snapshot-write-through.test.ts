/**
 * An accepted snapshot is served to the lookup routes from memory: the first GET and the first
 * sign-in after a push neither read the snapshot row nor parse it again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollTestDevice } from "../support/protocol-client.ts";

test("the snapshot just acked is what GET /v1/devices/{id} serves, without reading it back from the store", async (t) => {
  const tc = await startTestConnector();
  t.after(() => tc.stop());
  const device = await enrollTestDevice(tc.connector.url, tc.enrollToken);
  const client = await ProtocolClient.connect(tc.connector.agentUrl);
  t.after(() => client.close());
  assert.equal((await client.authenticate(device)).type, "welcome");

  const store = tc.connector.store;
  const reads: string[] = [];
  const latestSnapshot = store.latestSnapshot.bind(store);
  store.latestSnapshot = (id) => (reads.push(id), latestSnapshot(id));
  const latestSnapshots = store.latestSnapshots.bind(store);
  store.latestSnapshots = (ids) => (reads.push(...ids), latestSnapshots(ids));

  for (const seq of [1, 2]) {
    const answer = await client.sendSnapshot(device, { seq });
    assert.deepEqual(answer, { type: "ack", seq });
    const res = await tc.api(`/v1/devices/${device.deviceId}?view=facet`);
    assert.equal(res.status, 200);
    const view = (await res.json()) as { cached_facts: { data: unknown } | null };
    assert.deepEqual(view.cached_facts?.data, (await latestSnapshot(device.deviceId))?.facts, `GET serves seq ${seq}`);
  }
  assert.deepEqual(reads, [], "no snapshot was read back from the store");
});
