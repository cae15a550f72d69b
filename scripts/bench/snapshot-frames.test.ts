import { test } from "node:test";
import assert from "node:assert/strict";
import { SnapshotBodySchema } from "../../shared/protocol/snapshot.ts";
import { SnapshotFrameSchema } from "../../shared/protocol/messages.ts";
import { canonicalJson, canonicalText } from "../../shared/signing/canonical.ts";
import { verifyWithTweetnacl } from "../../shared/signing/sign.ts";
import { publicKeyFromRaw, verifySignature } from "../../shared/signing/verify.ts";
import { benchFacts, benchUnknown } from "./facts-document.ts";
import { generateBenchKey } from "./device-keys.ts";
import { canonicalSnapshotBody, signedSnapshotFrame, snapshotTemplate } from "./snapshot-frames.ts";
import { realFacts, realUnknown, STEADY_UNCHANGED } from "./real-facts.ts";
import { expandBodyText, familyDigest } from "../../shared/protocol/family-digests.ts";
import { templateFor } from "./snapshot-sizes.ts";

const nonce = "n0nce-0123456789abcdef";
const collectedAt = "2026-11-23T14:00:00.000Z";

test("the templated body is byte-identical to the shared canonical JSON of the same snapshot", () => {
  for (const index of [0, 1, 7, 65535, 19999]) {
    const t = snapshotTemplate(`dev_${index}`, "0.1.0-bench", benchFacts(index), benchUnknown());
    const body = { v: 1, deviceId: `dev_${index}`, seq: 42 + index, collectedAt, nonce, agentVersion: "0.1.0-bench", facts: benchFacts(index), unknown: benchUnknown() };
    assert.equal(canonicalSnapshotBody(t, 42 + index, collectedAt, nonce), canonicalJson(body));
  }
});

test("the body is a valid snapshot of about 4 KB", () => {
  const t = snapshotTemplate("dev_1", "0.1.0-bench", benchFacts(1), benchUnknown());
  const text = canonicalSnapshotBody(t, 1, collectedAt, nonce);
  SnapshotBodySchema.parse(JSON.parse(text));
  const bytes = Buffer.byteLength(text);
  assert.ok(bytes > 3500 && bytes < 4700, `body is ${bytes} bytes`);
});

test("a signed frame passes the protocol schema and verifies with both Ed25519 libraries", () => {
  const key = generateBenchKey();
  const t = snapshotTemplate("dev_9", "0.1.0-bench", benchFacts(9), benchUnknown());
  const frame = SnapshotFrameSchema.parse(JSON.parse(signedSnapshotFrame(t, key.privateKey, 3, nonce, collectedAt).toString("utf8")));
  const body = Buffer.from(frame.body, "utf8");
  const signature = Buffer.from(frame.signature, "base64");
  assert.ok(verifySignature("snapshot", body, signature, publicKeyFromRaw(key.publicKeyRaw)));
  assert.ok(verifyWithTweetnacl("snapshot", body, signature, key.publicKeyRaw));
  assert.ok(!verifySignature("auth", body, signature, publicKeyFromRaw(key.publicKeyRaw)), "domain separation holds");
});

test("the real-size template is byte-identical to the shared canonical JSON, a valid snapshot, and the recorded inventories' size", () => {
  for (const index of [0, 1, 300, 65535, 49999]) {
    const t = templateFor("real", `dev_${index}`, index, "0.1.0-bench");
    const body = { v: 1, deviceId: `dev_${index}`, seq: 7, collectedAt, nonce, agentVersion: "0.1.0-bench", facts: realFacts(index), unknown: realUnknown() };
    const text = canonicalSnapshotBody(t, 7, collectedAt, nonce);
    assert.equal(text, canonicalJson(body));
    const parsed = SnapshotBodySchema.parse(JSON.parse(text));
    assert.equal(parsed.facts.network?.hostname, realFacts(index).network?.hostname);
    assert.ok(Buffer.byteLength(text) > 40_000, `body is ${Buffer.byteLength(text)} bytes`);
  }
  assert.notEqual(realFacts(1).hardware?.machine_id, realFacts(2).hardware?.machine_id);
});

test("a steady-state frame is under 16 KB and rebuilds, from the stored facts, into exactly the signed full body", () => {
  const key = generateBenchKey();
  const index = 4242;
  const t = templateFor("real", "dev_s", index, "0.1.0-bench");
  const frame = SnapshotFrameSchema.parse(JSON.parse(signedSnapshotFrame(t, key.privateKey, 9, nonce, collectedAt, undefined, true).toString("utf8")));
  assert.deepEqual(Object.keys(frame.digests ?? {}).sort(), [...STEADY_UNCHANGED].sort());
  assert.ok(Buffer.byteLength(frame.body) < 16_000, `compact body is ${Buffer.byteLength(frame.body)} bytes`);
  // What the connector does with the device's stored (full) facts.
  const stored = realFacts(index) as Record<string, unknown>;
  const rebuilt = expandBodyText(frame.body, frame.digests!, {}, (family, digest) => {
    const text = canonicalText(stored[family]);
    return familyDigest(family, text) === digest ? { value: stored[family], text } : undefined;
  });
  assert.ok(rebuilt.ok);
  assert.equal(rebuilt.text, canonicalSnapshotBody(t, 9, collectedAt, nonce));
  assert.ok(verifySignature("snapshot", Buffer.from(rebuilt.text, "utf8"), Buffer.from(frame.signature, "base64"), publicKeyFromRaw(key.publicKeyRaw)));
  // Another device's facts do not stand in for this one's.
  const other = realFacts(index + 1) as Record<string, unknown>;
  const held = (family: string, digest: string) => (familyDigest(family, canonicalText(other[family])) === digest ? { value: other[family], text: canonicalText(other[family]) } : undefined);
  assert.equal(expandBodyText(frame.body, frame.digests!, {}, held).ok, false);
});
