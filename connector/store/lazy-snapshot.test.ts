import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { canonicalJson } from "../../shared/signing/canonical.ts";
import { bodySize, lazySnapshot } from "./lazy-snapshot.ts";

const fields = (body: string) => ({ deviceId: "d1", seq: 1, collectedAt: 1, receivedAt: 1, body, signature: "s" });
const bodyOf = (facts: Record<string, unknown>, unknown: Record<string, string>) =>
  canonicalJson({ agentVersion: "1", collectedAt: "2026-12-02T00:00:00.000Z", deviceId: "d1", facts, nonce: "n".repeat(16), seq: 1, unknown, v: 1 });

/** Every way a reader sees an object, compared between the lazy snapshot and a whole parse. */
function assertReadsAsParsed(body: string, probe: string[] = []): void {
  const parsed = JSON.parse(body) as { facts: Record<string, unknown>; unknown: Record<string, unknown> };
  for (const part of ["facts", "unknown"] as const) {
    // A fresh snapshot per read, so each way of reading starts from nothing scanned.
    const lazy = () => lazySnapshot(fields(body))[part] as Record<string, unknown>;
    const plain = parsed[part];
    for (const key of [...Object.keys(plain), ...probe, "toString", "constructor"]) {
      assert.deepEqual(lazy()[key], plain[key], `${part}.${key}`);
      assert.equal(key in lazy(), key in plain, `${key} in ${part}`);
      assert.equal(Object.hasOwn(lazy(), key), Object.hasOwn(plain, key), `own ${part}.${key}`);
    }
    assert.deepEqual(Object.keys(lazy()), Object.keys(plain));
    assert.equal(JSON.stringify(lazy()), JSON.stringify(plain));
    assert.deepEqual({ ...lazy() }, plain);
    assert.deepEqual(lazy(), plain);
  }
}

test("the recorded agent document reads back as a whole parse would, family by family", () => {
  // Recorded from the agent's collectors on a Debian 12 VM (see the fixture's header).
  const recorded = JSON.parse(readFileSync(new URL("../../scripts/bench/fixtures/linux-agent-facts.json", import.meta.url), "utf8")) as { facts: Record<string, unknown>; unknown?: Record<string, string> };
  assertReadsAsParsed(bodyOf(recorded.facts, recorded.unknown ?? {}), ["absent", "zzz"]);
});

// Synthetic: keys and strings that look like the structure the scanner walks.
const tricky = fc.constantFrom("unknown", "facts", "v", "os", "", "a.b", '"', "\\", "}", ",\"unknown\":{", "\u2028", "é", "__x");
const key = fc.oneof(tricky, fc.string({ maxLength: 6 }));
const leaf = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.oneof(tricky, fc.string({ maxLength: 8 })));
const value = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("v"), { maxLength: 4 }), fc.dictionary(key, tie("v"), { maxKeys: 4 })),
})).v;

test("any canonical body reads back as a whole parse would (property)", () => {
  fc.assert(
    fc.property(fc.dictionary(key, value, { maxKeys: 8 }), fc.dictionary(key, fc.oneof(tricky, fc.string({ maxLength: 8 })), { maxKeys: 4 }), (facts, unknown) => {
      assertReadsAsParsed(bodyOf(facts, unknown), ["os", "zz", "unknown"]);
    }),
    { numRuns: 300 },
  );
});

test("a body that is not canonical is parsed whole instead", () => {
  for (const body of ['{"facts": {"os": {"name": "x"}}, "unknown": {}}', '{"unknown":{},"facts":{"z":1,"a":2},"v":1}']) {
    const snapshot = lazySnapshot(fields(body));
    const parsed = JSON.parse(body) as { facts: unknown; unknown: unknown };
    assert.deepEqual(snapshot.facts, parsed.facts);
    assert.deepEqual(snapshot.unknown, parsed.unknown);
  }
});

test("the facts a cache shares cannot be changed through it", () => {
  const snapshot = lazySnapshot(fields(bodyOf({ os: { name: "Debian" } }, {})));
  assert.throws(() => ((snapshot.facts as Record<string, unknown>).os = null), TypeError);
  assert.throws(() => delete (snapshot.unknown as Record<string, unknown>).x, TypeError);
  assert.deepEqual(snapshot.facts.os, { name: "Debian" });
});

test("a snapshot given its body as UTF-8 bytes reads as one given the text, and is sized without decoding", () => {
  const body = bodyOf({ os: { name: "Zoë's Mac 💻" }, software: [{ name: "東京" }] }, { disks: "denied" });
  const bytes = new Uint8Array(Buffer.from(body, "utf8"));
  const { body: _text, ...rest } = fields(body);
  const fromBytes = lazySnapshot({ ...rest, bodyUtf8: bytes });
  const fromText = lazySnapshot(fields(body));
  assert.equal(fromBytes.body, body);
  assert.deepEqual(fromBytes.facts, fromText.facts);
  assert.deepEqual(fromBytes.unknown, fromText.unknown);
  assert.equal(fromBytes.bodyUtf8, bytes);
  assert.equal(bodySize(fromBytes), bytes.byteLength);
  assert.equal(bodySize(fromText), body.length);
});
