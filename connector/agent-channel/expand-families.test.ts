import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalText } from "../../shared/signing/canonical.ts";
import { compactBodyText, familyDigest } from "../../shared/protocol/family-digests.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../../test/support/facts.ts";
import { lazySnapshot } from "../store/lazy-snapshot.ts";
import { expandFamilies, latestBody } from "./expand-families.ts";

test("a compact frame is rebuilt the same from the latest body's text as from its UTF-8 (a snapshot received since start-up)", () => {
  const facts = { ...sampleFacts(), software: [{ name: "curl", version: "8.5.0 — ü", source: "deb" }] };
  const body = { v: 1, deviceId: "dev-1", seq: 2, facts, unknown: SAMPLE_UNKNOWN };
  const full = canonicalText(body);
  const frame = { type: "snapshot" as const, body: compactBodyText(body, ["software"]), signature: "x", digests: { software: familyDigest("software", canonicalText(facts.software)) } };
  assert.deepEqual(expandFamilies(frame, full), { ok: true, text: full });
  assert.deepEqual(expandFamilies(frame, new TextEncoder().encode(full)), { ok: true, text: full });
  assert.equal(expandFamilies(frame, null).ok, false, "nothing held: the digest names nothing");
});

test("the latest body is read without keeping its snapshot in the lookup's cache, which the frame's own snapshot replaces", async () => {
  const asked: unknown[] = [];
  const held = lazySnapshot({ deviceId: "dev-1", seq: 1, collectedAt: 0, receivedAt: 0, signature: "s", body: '{"held":true}' });
  const lookup = { latestSnapshot: async (_device: { id: string; lastSeq: number }, options: { remember: false }) => (asked.push(options), held) };
  assert.equal(await latestBody({ store: { latestSnapshot: async () => null }, lookup }, { id: "dev-1", lastSeq: 1 }), '{"held":true}');
  assert.deepEqual(asked, [{ remember: false }]);
});
