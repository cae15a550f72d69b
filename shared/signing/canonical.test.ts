import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalJson, isCanonicalText } from "./canonical.ts";

// Keys that JavaScript enumerates out of insertion order ("10" before "9" in UTF-16 order, after it
// numerically), escapes and non-ASCII, so the fast path is tested where it could be wrong.
const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("1", "9", "10", "2", "01", "é", "\u0000", "a\"b", "__proto__"), fc.nat(200).map(String));
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ unit: "binary", maxLength: 6 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  ),
})).value;

test("isCanonicalText agrees with re-canonicalising, for canonical and JSON.stringify texts alike", () => {
  fc.assert(
    fc.property(json, (value) => {
      const canonical = canonicalJson(value);
      assert.equal(isCanonicalText(canonical, JSON.parse(canonical)), true, canonical);
      const plain = JSON.stringify(value);
      const parsed = JSON.parse(plain) as unknown;
      assert.equal(isCanonicalText(plain, parsed), canonicalJson(parsed) === plain, plain);
    }),
    { numRuns: 2000 },
  );
});

test("isCanonicalText refuses duplicate keys, whitespace, key order and escapes", () => {
  const ok = '{"a":1,"b":{"c":[1,2]},"seq":2}';
  assert.equal(isCanonicalText(ok, JSON.parse(ok)), true);
  for (const bad of ['{"a":1,"b":{"c":[1,2]},"seq":100,"seq":2}', '{"a":1,"b":{"c":[1,2]},"seq":2,"seq":2}', '{"a": 1,"b":{"c":[1,2]},"seq":2}', '{"b":{"c":[1,2]},"a":1,"seq":2}', '{"a":1,"b":{"c":[1,2]},"\\u0073eq":2}', '{"a":1e0,"b":{"c":[1,2]},"seq":2}']) {
    assert.equal(isCanonicalText(bad, JSON.parse(bad)), false, bad);
  }
  // Integer-like keys: canonical order is by UTF-16 code units, not numeric.
  assert.equal(isCanonicalText('{"10":1,"9":2}', JSON.parse('{"10":1,"9":2}')), true);
  assert.equal(isCanonicalText('{"9":2,"10":1}', JSON.parse('{"9":2,"10":1}')), false);
});
