/**
 * An accepted snapshot is served to the lookup routes from memory: the first GET and the first
 * sign-in after a push neither read the snapshot row nor parse it again; and from what ingest
 * stored beside it once no cache holds it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { authenticatedAgent } from "../support/authenticated-agent.ts";
import { renderedAuthentikView } from "../../connector/lookup/rendered-view.ts";
import { inflateObject } from "../../connector/store/deflated-view.ts";
import { LatestFacts } from "../../connector/lookup/index.ts";
import { jsonText } from "../../connector/lookup/device-view.ts";
import { POLICY_FACTS_VERSION, policyFactsText, policySnapshotOf } from "../../connector/lookup/policy-snapshot.ts";

test("the snapshot just acked is what GET /v1/devices/{id} serves, without reading it back from the store", async (t) => {
  const { tc, device, client } = await authenticatedAgent(t);

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

test("the authentik view a lookup serves is the one rendered at ingest, the same as rendering the stored body", async (t) => {
  const { tc, device, client } = await authenticatedAgent(t);
  assert.deepEqual(await client.sendSnapshot(device, { seq: 1 }), { type: "ack", seq: 1 });

  const store = tc.connector.store;
  const stored = await store.latestView(device.deviceId);
  assert.equal(stored?.seq, 1);
  const storedJson = inflateObject(stored);
  const snapshot = (await store.latestSnapshot(device.deviceId))!;
  assert.equal(storedJson, inflateObject(renderedAuthentikView(snapshot.facts, snapshot.unknown)));

  const reads: string[] = [];
  const latestSnapshot = store.latestSnapshot.bind(store);
  store.latestSnapshot = (id) => (reads.push(id), latestSnapshot(id));
  const res = await tc.api(`/v1/devices/${device.deviceId}`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { cached_facts: { data: unknown; unknown: unknown } };
  const rendered = JSON.parse(storedJson) as { data: unknown; unknown: unknown };
  assert.deepEqual(body.cached_facts.data, rendered.data);
  assert.deepEqual(body.cached_facts.unknown, rendered.unknown);
  assert.deepEqual(reads, [], "the body was not read back");
  // Kept by the lookup as the snapshot was acked: not even the stored view was read.
  const metrics = await (await tc.api("/metrics")).text();
  assert.match(metrics, /facet_cache_requests_total\{cache="facts",result="hit"\} 1/);
  assert.match(metrics, /facet_cache_requests_total\{cache="stored_views",result="hit"\} 0/);

  // A LatestFacts of its own holds nothing, as after a restart: it answers with the stored view.
  const cold = new LatestFacts({ store, factsTtlMs: 24 * 3600_000, snapshotBytes: 1 << 20, policySnapshotBytes: 1 << 20, factsBytes: 1 << 20 });
  assert.deepEqual(JSON.parse(jsonText((await cold.latestFactsJson({ id: device.deviceId, lastSeq: 1 }))!)), body.cached_facts);
  assert.deepEqual([cold.stats().storedViews, reads], [{ hits: 1, misses: 0 }, []]);
});

test("the policy facts stored at ingest answer a sign-in of a device no cache holds (after a restart), without reading the body", async (t) => {
  const { tc, device, client } = await authenticatedAgent(t);
  assert.deepEqual(await client.sendSnapshot(device, { seq: 1 }), { type: "ack", seq: 1 });

  const store = tc.connector.store;
  const snapshot = (await store.latestSnapshot(device.deviceId))!;
  const stored = (await store.latestPolicyFacts([device.deviceId])).get(device.deviceId);
  assert.deepEqual(stored, { seq: 1, collectedAt: snapshot.collectedAt, version: POLICY_FACTS_VERSION, text: policyFactsText(snapshot.facts, snapshot.unknown) });

  // A LatestFacts of its own holds nothing, as after a restart before warming reached the device.
  const reads: string[] = [];
  const latestSnapshots = store.latestSnapshots.bind(store);
  store.latestSnapshots = (ids) => (reads.push(...ids), latestSnapshots(ids));
  const cold = new LatestFacts({ store, factsTtlMs: 60_000, snapshotBytes: 1 << 20, policySnapshotBytes: 1 << 20, factsBytes: 1 << 20 });
  const held = (await cold.policySnapshots([{ id: device.deviceId, lastSeq: 1 }])).get(device.deviceId)!;
  assert.deepEqual(reads, [], "the body was not read");
  const whole = policySnapshotOf(snapshot);
  assert.deepEqual([held.seq, held.collectedAt, held.facts, held.unknown], [whole.seq, whole.collectedAt, whole.facts, whole.unknown]);
});
