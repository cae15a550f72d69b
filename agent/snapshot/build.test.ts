import { test } from "node:test";
import assert from "node:assert/strict";
import { FACET_VENDOR_KEY, FACTS_VERSION, FactsSchema, type Facts } from "../../shared/facts/schema.ts";
import { SnapshotFrameSchema } from "../../shared/protocol/messages.ts";
import { SnapshotBodySchema } from "../../shared/protocol/snapshot.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";
import { keyPairFromSeed } from "../../shared/signing/sign.ts";
import { publicKeyFromRaw, verifySignature } from "../../shared/signing/verify.ts";
import { AGENT_VERSION } from "../version.ts";
import { buildSnapshotBody, signSnapshot, snapshotFrameBytes } from "./build.ts";
import { fitToPayload } from "./fit.ts";
import type { SnapshotContent } from "./build.ts";
import { withFacetVendor } from "./vendor.ts";

const nullFacts: Facts = {
  os: { family: "linux", name: "Débian ✓", version: "12", arch: "x64" },
  disks: null, network: null, hardware: null, security: null, software: null,
  processes: null, users: null, groups: null, vendor: null,
};
const pair = keyPairFromSeed(Buffer.alloc(32, 3));
const nonce = "n0nce-".repeat(4);

test("the frame's body is the canonical text and its signature verifies with node:crypto over exactly those bytes", () => {
  const body = buildSnapshotBody("dev_1", nonce, { seq: 5, collectedAt: "2026-01-01T00:00:00.000Z", facts: nullFacts, unknown: { disks: "not collected" } });
  const frame = signSnapshot(body, pair.secretKey);
  assert.equal(SnapshotFrameSchema.safeParse(frame).success, true);
  assert.equal(frame.body, canonicalJson(JSON.parse(frame.body)), "body is already canonical");
  const key = publicKeyFromRaw(pair.publicKey);
  const bytes = Buffer.from(frame.body, "utf8");
  assert.equal(verifySignature("snapshot", bytes, Buffer.from(frame.signature, "base64"), key), true);
  // One changed byte (seq 5 → 6) must fail: the signature covers the exact bytes.
  const tampered = Buffer.from(frame.body.replace('"seq":5', '"seq":6'), "utf8");
  assert.equal(verifySignature("snapshot", tampered, Buffer.from(frame.signature, "base64"), key), false);
  // And it is not an auth-domain signature.
  assert.equal(verifySignature("auth", bytes, Buffer.from(frame.signature, "base64"), key), false);
});

test("the body matches the shared snapshot schema with device, seq, nonce and versions", () => {
  const body = buildSnapshotBody("dev_1", nonce, { seq: 1, collectedAt: "2026-01-01T00:00:00.000Z", facts: nullFacts, unknown: {} });
  const parsed = SnapshotBodySchema.parse(JSON.parse(signSnapshot(body, pair.secretKey).body));
  assert.equal(parsed.v, FACTS_VERSION);
  assert.equal(parsed.deviceId, "dev_1");
  assert.equal(parsed.nonce, nonce);
  assert.equal(parsed.agentVersion, AGENT_VERSION);
});

test("a refresh answer carries its requestId outside the signed body", () => {
  const body = buildSnapshotBody("dev_1", nonce, { seq: 1, collectedAt: "2026-01-01T00:00:00.000Z", facts: nullFacts, unknown: {} });
  const frame = signSnapshot(body, pair.secretKey, "req-9");
  assert.equal(frame.requestId, "req-9");
  assert.equal(signSnapshot(body, pair.secretKey).requestId, undefined);
});

test("a frame's size is known without signing it, to the byte, for every key and requestId", () => {
  const body = buildSnapshotBody("dev_1", nonce, { seq: 12, collectedAt: "2026-01-01T00:00:00.000Z", facts: nullFacts, unknown: { disks: "not collected" } });
  for (const seed of [0, 1, 7, 255]) {
    const key = keyPairFromSeed(Buffer.alloc(32, seed)).secretKey;
    for (const requestId of [undefined, "req-\"9\" ✓"]) {
      const signed = Buffer.byteLength(JSON.stringify(signSnapshot(body, key, requestId)), "utf8");
      assert.equal(snapshotFrameBytes(body, requestId), signed);
    }
  }
});

test("adds Facet's vendor entry beside other vendors' data", () => {
  const other = { ...nullFacts, vendor: { "example.com/mdm": { enrolled: true } } };
  const { facts, unknown } = withFacetVendor(other, { "os.build": "x" }, "9.9.9");
  assert.deepEqual(facts.vendor, {
    "example.com/mdm": { enrolled: true },
    [FACET_VENDOR_KEY]: { agent_version: "9.9.9", facts_version: FACTS_VERSION },
  });
  assert.deepEqual(unknown, { "os.build": "x" });
  assert.equal(FactsSchema.safeParse(facts).success, true);
});

test("keeps what the collectors put under Facet's vendor key", () => {
  const collected = { ...nullFacts, vendor: { [FACET_VENDOR_KEY]: { platform: "linux", timings_ms: { os: 12 } } } };
  const { facts } = withFacetVendor(collected, {}, "9.9.9");
  assert.deepEqual(facts.vendor?.[FACET_VENDOR_KEY], { platform: "linux", timings_ms: { os: 12 }, agent_version: "9.9.9", facts_version: FACTS_VERSION });
});

test("a vendor map that was unknown is no longer reported unknown once Facet's entry is in it", () => {
  const { facts, unknown } = withFacetVendor(nullFacts, { vendor: "not collected", os: "x" });
  assert.ok(facts.vendor?.[FACET_VENDOR_KEY]);
  assert.deepEqual(unknown, { os: "x" });
});

test("trims the bulkiest families to fit maxPayload, marking each as unknown with the reason", () => {
  const software = Array.from({ length: 500 }, (_, i) => ({ name: `pkg${i}`, version: "1.0", source: "apt" }));
  const content: SnapshotContent = { seq: 1, collectedAt: "2026-01-01T00:00:00.000Z", facts: { ...nullFacts, software }, unknown: { "software[3].version": "x" } };
  const size = (c: SnapshotContent) => Buffer.byteLength(JSON.stringify(c));
  assert.ok(size(content) > 4000);
  const fitted = fitToPayload(content, 4000, size);
  assert.ok(fitted);
  assert.deepEqual(fitted.dropped, ["software"]);
  assert.equal(fitted.content.facts.software, null);
  assert.match(fitted.content.unknown.software ?? "", /maxPayload of 4000 bytes/);
  assert.equal(fitted.content.unknown["software[3].version"], undefined);
  assert.equal(fitToPayload(content, 10, size), undefined, "gives up rather than send an oversize frame");
});
