import { test } from "node:test";
import assert from "node:assert/strict";
import type { Device, StoredPolicyFacts, StoredSnapshot, StoredView } from "../store/types.ts";
import { LatestFacts, type LatestFactsOptions } from "./index.ts";
import { POLICY_FACTS_VERSION, policyFactsText, policySnapshotOf, versionedPolicyFacts } from "./policy-snapshot.ts";
import { AUTHENTIK_VIEW_VERSION, renderedAuthentikView } from "./rendered-view.ts";
import { jsonText, type FactsJson } from "./device-view.ts";

// Synthetic devices and snapshots: only the fields the lookup reads.
const device = (id: string, lastSeq: number) => ({ id, lastSeq, revokedAt: null }) as Device;
const snapshot = (deviceId: string, seq: number, software: string[] = []) => {
  const facts = { os: null, software: software.map((name) => ({ name, version: String(seq) })) };
  const body = JSON.stringify({ facts, unknown: {} });
  return { deviceId, seq, collectedAt: 1_000, receivedAt: 1_000, body, facts, unknown: {} } as unknown as StoredSnapshot;
};
const BUDGETS = { snapshotBytes: 1 << 20, policySnapshotBytes: 1 << 20, factsBytes: 1 << 20 };
/** Facts JSON as text, whether it was answered as a string or as the bytes of a stored view. */
const text = (json: FactsJson | null) => (json === null ? null : jsonText(json));

function countingStore(
  devices: Device[],
  software: string[] = [],
  views = new Map<string, StoredView>(),
  policyFacts = new Map<string, StoredPolicyFacts>(),
): LatestFactsOptions["store"] & { reads: string[]; viewReads: string[]; policyFactsReads: string[] } {
  const reads: string[] = [];
  const viewReads: string[] = [];
  const policyFactsReads: string[] = [];
  const latest = (id: string) => snapshot(id, devices.find((d) => d.id === id)!.lastSeq, software);
  return {
    reads,
    viewReads,
    policyFactsReads,
    async listDevices({ after, limit }) {
      return devices.filter((d) => after === undefined || d.id > after).slice(0, limit);
    },
    async latestSnapshot(id) {
      reads.push(id);
      return latest(id);
    },
    async latestSnapshots(ids) {
      reads.push(...ids);
      return new Map(ids.map((id) => [id, latest(id)]));
    },
    async latestView(id) {
      viewReads.push(id);
      return views.get(id) ?? null;
    },
    async latestViews(ids) {
      return new Map(ids.flatMap((id) => (views.has(id) ? [[id, views.get(id)!] as const] : [])));
    },
    async latestPolicyFacts(ids) {
      policyFactsReads.push(...ids);
      return new Map(ids.flatMap((id) => (policyFacts.has(id) ? [[id, policyFacts.get(id)!] as const] : [])));
    },
  };
}

test("a snapshot the agent channel accepted is read back without a store query", async () => {
  const store = countingStore([device("a", 2)]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  lookup.accepted(snapshot("a", 2));
  assert.equal((await lookup.latestSnapshot(device("a", 2)))?.seq, 2);
  assert.deepEqual(store.reads, []);
  assert.deepEqual({ ...lookup.stats().snapshots, bytes: 0 }, { hits: 1, misses: 0, entries: 1, bytes: 0 });
});

test("readers of many devices can leave the cache as it was", async () => {
  const store = countingStore([device("a", 1), device("b", 1)]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  await lookup.latestSnapshots([device("a", 1), device("b", 1)], { remember: false });
  assert.equal(lookup.stats().snapshots.entries, 0);
  await lookup.latestSnapshots([device("a", 1)]);
  assert.equal(lookup.cachedSnapshot(device("a", 1))?.seq, 1);
  assert.deepEqual(store.reads, ["a", "b", "a"]);
});

test("facts JSON is serialized once per (device, seq) and counted per view", async () => {
  const store = countingStore([device("a", 3)]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  const first = await lookup.latestFactsJson(device("a", 3));
  assert.equal(await lookup.latestFactsJson(device("a", 3)), first);
  assert.equal(await lookup.factsJsonOf(snapshot("a", 3)), first);
  assert.deepEqual(store.reads, ["a"], "the second and third reads were hits");
  const { authentik, facet } = lookup.stats().facts;
  assert.equal(authentik.hits, 2);
  assert.equal(authentik.misses, 1);
  assert.ok(authentik.bytes > first!.length);
  assert.equal(facet.entries, 0);
});

test("the view rendered at ingest is served without reading the snapshot, and only for its seq and rules version", async () => {
  const rendered = (id: string, seq: number, version = AUTHENTIK_VIEW_VERSION): StoredView => {
    const s = snapshot(id, seq, ["curl"]);
    return { ...renderedAuthentikView(s.facts, s.unknown), version, seq, collectedAt: s.collectedAt };
  };
  const devices = [device("current", 3), device("older-seq", 3), device("older-rules", 3)];
  const views = new Map([["current", rendered("current", 3)], ["older-seq", rendered("older-seq", 2)], ["older-rules", rendered("older-rules", 3, AUTHENTIK_VIEW_VERSION - 1)]]);
  const store = countingStore(devices, ["curl"], views);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  const fromBody = new LatestFacts({ store: countingStore(devices, ["curl"]), factsTtlMs: 60_000, ...BUDGETS });

  for (const d of devices) assert.equal(text(await lookup.latestFactsJson(d)), await fromBody.latestFactsJson(d), d.id);
  const pieces = await lookup.latestFactsJson(devices[0]!);
  assert.ok(Array.isArray(pieces), "a stored view is answered in pieces not yet joined");
  assert.ok(!(pieces[0] instanceof Uint8Array) && pieces[0]!.deflated === views.get("current")!.deflated, "the view is the stored deflated bytes, not inflated");
  assert.deepEqual(store.reads, ["older-seq", "older-rules"], "only the devices without a usable stored view were read");
  assert.deepEqual(lookup.stats().storedViews, { hits: 1, misses: 2 }, "the second read of the stored view was a cache hit");
  assert.deepEqual(store.viewReads, ["current", "older-seq", "older-rules"]);
  assert.equal(text(await lookup.factsJsonOf(snapshot("current", 3, ["curl"]))), await fromBody.latestFactsJson(devices[0]!));
  assert.deepEqual(store.viewReads, ["current", "older-seq", "older-rules"]);
  assert.equal(lookup.stats().facts.authentik.entries, 3, "the stored view is kept as stored, the others as rendered here");
});

test("an accepted snapshot's view, rendered at ingest, is kept deflated and answers the device's next read without a store query", async () => {
  const s = snapshot("a", 2, ["curl"]);
  const view = renderedAuthentikView(s.facts, s.unknown);
  const store = countingStore([device("a", 2)], ["curl"]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  lookup.accepted(s, undefined, view);
  const pieces = await lookup.latestFactsJson(device("a", 2));
  assert.ok(Array.isArray(pieces) && !(pieces[0] instanceof Uint8Array) && pieces[0]!.deflated === view.deflated, "the ingest's deflated bytes, not a rendering");
  const fromBody = new LatestFacts({ store: countingStore([device("a", 2)], ["curl"]), factsTtlMs: 60_000, ...BUDGETS });
  assert.equal(text(pieces), await fromBody.latestFactsJson(device("a", 2)));
  assert.deepEqual([store.reads, store.viewReads], [[], []]);
  await lookup.latestFactsJson(device("a", 3));
  assert.deepEqual(store.viewReads, ["a"], "a later seq is not answered from it");
});

test("a page of devices is answered from stored views, cache hits and rendering, and leaves the caches as they were", async () => {
  const devices = [device("viewed", 2), device("rendered", 1), device("never", 0)];
  const s = snapshot("viewed", 2, ["curl"]);
  const store = countingStore(devices, ["curl"], new Map([["viewed", { ...renderedAuthentikView(s.facts, s.unknown), seq: 2, collectedAt: s.collectedAt }]]));
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  const one = new LatestFacts({ store: countingStore(devices, ["curl"]), factsTtlMs: 60_000, ...BUDGETS });

  const page = await lookup.latestFactsJsonMany(devices);
  assert.deepEqual([...page.keys()].sort(), ["rendered", "viewed"]);
  for (const d of devices.slice(0, 2)) assert.equal(page.get(d.id), await one.latestFactsJson(d), d.id);
  assert.deepEqual(store.reads, ["rendered"], "only the device without a stored view had its snapshot read");
  assert.equal(lookup.stats().facts.authentik.entries, 0);
  assert.equal(lookup.stats().snapshots.entries, 0);
  assert.equal((await lookup.latestFactsJsonMany(devices, "facet")).get("viewed"), await one.latestFactsJson(devices[0]!, "facet"));
});

test("warming fills the policy snapshots sign-ins read, and leaves the device views in the store", async () => {
  const stored = (id: string, seq: number): StoredView => ({ ...renderedAuthentikView(snapshot(id, seq).facts, {}), seq, collectedAt: 1_000 });
  const store = countingStore([device("a", 1), device("b", 4)], [], new Map([["a", stored("a", 1)], ["b", stored("b", 4)]]));
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  assert.equal(await lookup.warm(), 2);
  store.reads.length = 0;
  assert.equal((await lookup.policySnapshots([device("b", 4)])).get("b")?.seq, 4);
  assert.deepEqual(store.reads, [], "the sign-in's policy snapshot came from memory");
  assert.equal(lookup.stats().facts.authentik.entries, 0, "a device read serves the stored view as it is, gzip included");
});

test("policy snapshots: one store query for the misses, then memory; a held whole snapshot needs no query; a newer seq misses", async () => {
  const software = ["curl", "git"];
  const store = countingStore([device("a", 1), device("b", 2), device("c", 3)], software);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  lookup.accepted(snapshot("c", 3, software));
  const first = await lookup.policySnapshots([device("a", 1), device("b", 2), device("c", 3)]);
  assert.deepEqual(store.reads, ["a", "b"]);
  assert.deepEqual([...first.values()].map((s) => [s.deviceId, s.seq]), [["c", 3], ["a", 1], ["b", 2]]);
  assert.throws(() => first.get("a")!.facts.software, /inventory/);
  store.reads.length = 0;
  assert.equal((await lookup.policySnapshots([device("a", 1), device("c", 3)])).size, 2);
  assert.deepEqual(store.reads, []);
  await lookup.policySnapshots([device("b", 5)]);
  assert.deepEqual(store.reads, ["b"], "a device row with a newer seq is not answered from memory");
  assert.equal(lookup.stats().policySnapshots.hits, 2);
});

test("an accepted snapshot's policy facts, made at ingest, answer its next sign-in from memory", async () => {
  const store = countingStore([device("a", 7)], ["curl"]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  const s = snapshot("a", 7, ["curl"]);
  lookup.accepted(s, policyFactsText(s.facts, s.unknown));
  const held = (await lookup.policySnapshots([device("a", 7)])).get("a")!;
  assert.deepEqual(store.reads, []);
  assert.deepEqual([held.seq, held.facts.os, held.unknown], [7, null, {}]);
});

test("a device no cache holds has its policy snapshot read from the text stored at ingest, and from the whole snapshot only when that is for another seq or version", async () => {
  const devices = [device("current", 3), device("older-seq", 3), device("older-version", 3), device("none", 3)];
  // The stored text says "stored" where the whole snapshot says null: which one answered shows.
  const stored = (seq: number, version = POLICY_FACTS_VERSION): StoredPolicyFacts => ({ seq, collectedAt: 2_000, version, text: '{"facts":{"os":"stored"},"unknown":{}}' });
  const policyFacts = new Map([["current", stored(3)], ["older-seq", stored(2)], ["older-version", stored(3, POLICY_FACTS_VERSION + 1)]]);
  const store = countingStore(devices, ["curl"], new Map(), policyFacts);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });

  const read = await lookup.policySnapshots(devices);
  assert.deepEqual(store.policyFactsReads, devices.map((d) => d.id), "one query for the stored texts");
  assert.deepEqual(store.reads, ["older-seq", "older-version", "none"], "whole snapshots only for the devices without a usable text");
  assert.deepEqual([read.get("current")?.seq, read.get("current")?.collectedAt, read.get("current")?.facts.os], [3, 2_000, "stored"]);
  assert.throws(() => read.get("current")!.facts.software, /inventory/);
  for (const id of ["older-seq", "older-version", "none"]) assert.deepEqual([read.get(id)?.seq, read.get(id)?.facts.os], [3, null], id);
  assert.deepEqual(lookup.stats().storedPolicyFacts, { hits: 1, misses: 3 });

  // All of them are held now, whichever way they were read.
  store.reads.length = 0;
  store.policyFactsReads.length = 0;
  assert.equal((await lookup.policySnapshots(devices)).size, 4);
  assert.deepEqual([store.reads, store.policyFactsReads], [[], []]);
});

test("stored policy facts made at ingest read back as the policy snapshot made from the whole body", async () => {
  const s = snapshot("a", 4, ["curl"]);
  const policyFacts = new Map([["a", { ...versionedPolicyFacts(policyFactsText(s.facts, s.unknown)), seq: 4, collectedAt: s.collectedAt }]]);
  const store = countingStore([device("a", 4)], ["curl"], new Map(), policyFacts);
  const held = (await new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS }).policySnapshots([device("a", 4)])).get("a")!;
  assert.deepEqual(store.reads, []);
  const whole = policySnapshotOf(s);
  assert.deepEqual([held.deviceId, held.seq, held.collectedAt, held.facts, held.unknown, held.heapBytes], [whole.deviceId, whole.seq, whole.collectedAt, whole.facts, whole.unknown, whole.heapBytes]);
});

test("the facts of a policy snapshot are rendered from the whole snapshot, inventories included", async () => {
  const store = countingStore([device("a", 1)], ["curl"]);
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, ...BUDGETS });
  const held = (await lookup.policySnapshots([device("a", 1)])).get("a")!;
  const json = await lookup.factsJsonOf(held, "facet");
  assert.equal(json, await new LatestFacts({ store: countingStore([device("a", 1)], ["curl"]), factsTtlMs: 60_000, ...BUDGETS }).latestFactsJson(device("a", 1), "facet"));
  assert.match(text(json)!, /curl/);
});

test("real-size snapshots past the byte budget are evicted, and an evicted device is answered from the store", async () => {
  // Synthetic ~64 KB bodies, the size a real agent's snapshot has.
  const software = Array.from({ length: 1_500 }, (_, i) => `package-${String(i).padStart(5, "0")}-with-a-long-name`);
  const devices = Array.from({ length: 40 }, (_, i) => device(`d${String(i).padStart(2, "0")}`, i + 1));
  const store = countingStore(devices, software);
  const budget = 2 * 1024 * 1024;
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, snapshotBytes: budget, policySnapshotBytes: budget, factsBytes: budget, admitWhenFull: () => true });
  assert.ok(snapshot("x", 1, software).body.length > 60_000);
  for (const d of devices) await lookup.latestSnapshot(d);
  const { snapshots } = lookup.stats();
  assert.ok(snapshots.bytes <= budget, `${snapshots.bytes} held, budget ${budget}`);
  assert.ok(snapshots.entries > 0 && snapshots.entries < devices.length, `${snapshots.entries} held`);
  assert.equal(lookup.cachedSnapshot(devices[0]!), undefined, "the least recently read device was evicted");

  store.reads.length = 0;
  const again = await lookup.latestSnapshot(devices[0]!);
  assert.deepEqual(store.reads, ["d00"], "read from the store");
  assert.equal(again?.seq, 1);
  assert.deepEqual(again?.facts, snapshot("d00", 1, software).facts);
  assert.ok(lookup.stats().snapshots.bytes <= budget);
});

test("warming stops at the byte budget instead of reading the whole fleet", async () => {
  const software = Array.from({ length: 1_500 }, (_, i) => `package-${String(i).padStart(5, "0")}-with-a-long-name`);
  const devices = Array.from({ length: 400 }, (_, i) => device(`d${String(i).padStart(3, "0")}`, 1));
  const store = countingStore(devices, software);
  const budget = 64 * policySnapshotOf(snapshot("d000", 1, software)).heapBytes;
  const lookup = new LatestFacts({ store, factsTtlMs: 60_000, snapshotBytes: budget, policySnapshotBytes: budget, factsBytes: 64 * 1024 * 1024 });
  await lookup.warm();
  assert.ok(lookup.stats().policySnapshots.bytes <= budget);
  assert.ok(store.reads.length < devices.length / 4, `${store.reads.length} snapshots read`);
});
