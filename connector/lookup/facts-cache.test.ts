import assert from "node:assert/strict";
import { test } from "node:test";
import type { Device, StoredSnapshot } from "../store/types.ts";
import { buildDeviceView, serializeDeviceView } from "./device-view.ts";
import { FactsJsonCache } from "./facts-cache.ts";

const TTL = 24 * 3600 * 1000;

function snapshot(deviceId: string, seq: number, hostname = `host-${seq}`): StoredSnapshot {
  const facts = { os: { name: "Debian" }, network: { hostname } } as unknown as StoredSnapshot["facts"];
  return { deviceId, seq, collectedAt: 1_700_000_000_000 + seq, receivedAt: 1_700_000_000_500 + seq, body: "{}", signature: "sig", facts, unknown: {} };
}

const device: Device = {
  id: "dev-1", name: null, publicKey: "k", platform: "linux", serial: "S\"N\u2028", manufacturer: null, model: "X1",
  machineId: null, hostname: "laptop", username: "alice", enrolledAt: 1, revokedAt: null, lastSeq: 3, lastSeenAt: 1_700_000_000_000,
};

test("the serialized view is byte for byte the JSON of the built view", () => {
  const cache = new FactsJsonCache(1 << 20);
  const s = snapshot("dev-1", 3);
  assert.equal(serializeDeviceView(device, true, cache.put(s, TTL)), JSON.stringify(buildDeviceView(device, s, true, TTL)));
  assert.equal(serializeDeviceView(device, false, null), JSON.stringify(buildDeviceView(device, null, false, TTL)));
});

test("an entry is served only for the exact seq it was stored at", () => {
  const cache = new FactsJsonCache(1 << 20);
  const json = cache.put(snapshot("dev-1", 3), TTL);
  assert.equal(cache.get("dev-1", 3), json);
  assert.equal(cache.get("dev-1", 4), undefined, "a newer last_seq is a miss");
  assert.equal(cache.get("dev-2", 3), undefined);
});

test("an older snapshot racing a newer one never replaces it", () => {
  const cache = new FactsJsonCache(1 << 20);
  const newer = cache.put(snapshot("dev-1", 5), TTL);
  cache.put(snapshot("dev-1", 4), TTL);
  assert.equal(cache.get("dev-1", 5), newer);
  assert.equal(cache.get("dev-1", 4), undefined);
});

test("stays within its byte budget by dropping the least recently read device", () => {
  const one = new FactsJsonCache(1 << 20);
  one.put(snapshot("dev-0", 1), TTL);
  const budget = one.heldBytes * 3;
  const cache = new FactsJsonCache(budget);
  for (let i = 0; i < 3; i++) cache.put(snapshot(`dev-${i}`, 1), TTL);
  assert.ok(cache.get("dev-0", 1), "dev-0 read: now the most recent");
  cache.put(snapshot("dev-3", 1), TTL);
  assert.equal(cache.size, 3);
  assert.ok(cache.heldBytes <= budget);
  assert.equal(cache.get("dev-1", 1), undefined, "the least recently used entry went");
  assert.ok(cache.get("dev-0", 1));
  assert.ok(cache.get("dev-3", 1));
});

test("a snapshot larger than the whole budget is served but not kept", () => {
  const cache = new FactsJsonCache(64);
  const json = cache.put(snapshot("dev-1", 1), TTL);
  assert.ok(json.length > 64);
  assert.equal(cache.size, 0);
  assert.equal(cache.heldBytes, 0);
});

test("each view has its own serialization: authentik's leaves unknowns out, Facet's keeps the signed document", () => {
  const s = snapshot("dev-1", 3);
  s.facts = { ...s.facts, hardware: { model: null, manufacturer: "Dell Inc.", serial: "5CG1", cpu_name: null, cpu_count: 4, memory_bytes: 8e9 } } as StoredSnapshot["facts"];
  s.unknown = { "hardware.model": "not reported by WMI" };
  const authentik = JSON.parse(new FactsJsonCache(1 << 20, "authentik").put(s, TTL)) as { data: Record<string, unknown> };
  const facet = JSON.parse(new FactsJsonCache(1 << 20, "facet").put(s, TTL)) as { data: Record<string, unknown> };
  assert.deepEqual(facet.data, s.facts);
  assert.equal(authentik.data.hardware, undefined, "authentik requires a model: hardware is left out");
  assert.equal(serializeDeviceView(device, true, JSON.stringify(buildDeviceView(device, s, true, TTL, "facet").cached_facts)), JSON.stringify(buildDeviceView(device, s, true, TTL, "facet")));
});
