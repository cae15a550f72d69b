import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalText } from "../../shared/signing/canonical.ts";
import { compactBodyText, familyDigest } from "../../shared/protocol/family-digests.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../../test/support/facts.ts";
import { expandFamilies } from "./expand-families.ts";

test("a compact frame is rebuilt the same from the latest body's text as from its UTF-8 (a snapshot received since start-up)", () => {
  const facts = { ...sampleFacts(), software: [{ name: "curl", version: "8.5.0 — ü", source: "deb" }] };
  const body = { v: 1, deviceId: "dev-1", seq: 2, facts, unknown: SAMPLE_UNKNOWN };
  const full = canonicalText(body);
  const frame = { type: "snapshot" as const, body: compactBodyText(body, ["software"]), signature: "x", digests: { software: familyDigest("software", canonicalText(facts.software)) } };
  assert.deepEqual(expandFamilies(frame, full), { ok: true, text: full });
  assert.deepEqual(expandFamilies(frame, new TextEncoder().encode(full)), { ok: true, text: full });
  assert.equal(expandFamilies(frame, null).ok, false, "nothing held: the digest names nothing");
});
