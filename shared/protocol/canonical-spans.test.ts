import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson } from "../signing/canonical.ts";
import { factsSpans } from "./canonical-spans.ts";
import type { FamilySpan } from "./family-digests.ts";

// Synthetic: strings that look like structure (quotes, backslashes, braces, commas) inside values.
const facts = {
  os: { name: 'say "hi", {not: an object}', kernel: "C:\\path\\", empty: "" },
  software: [{ name: "a]b", version: null }, { name: "\\\"", version: "1" }],
  processes: [],
  vendor: { "x/y": { nested: [[1, 2], { "}": -0.5e-7 }], flag: true } },
  zero: 0,
};
const body = canonicalJson({ agentVersion: "t", facts, nonce: "{", seq: 3, unknown: { "a.b": "}" } });

test("each member of facts is found at the exact slice of its canonical text", () => {
  const spans = factsSpans(body);
  assert.ok(spans);
  assert.deepEqual([...spans.keys()], Object.keys(facts).sort());
  for (const [key, value] of Object.entries(facts)) {
    const span: FamilySpan | undefined = spans.get(key);
    assert.equal(span && body.slice(span.start, span.end), canonicalJson(value), key);
  }
});

test("a text not shaped as a canonical body gives no spans", () => {
  for (const text of ["", "{}", '{"facts":[]}', '{"facts": {"os":1}}', '{"facts":{"os":"unterminated}}', '{"facts":{"os":[1,2}', body.slice(0, -5)]) {
    assert.equal(factsSpans(text), undefined, text);
  }
});
