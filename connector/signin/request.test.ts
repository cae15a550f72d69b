import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EndpointCheckSchema, parseEndpointCheck } from "./request.ts";

/** Bodies an auth server might send, and many it should not (synthetic, generated). */
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("", " alice", "alice ", "al\u0007ice", "\u00a0bob", "bob\u2028", "dae1", "x".repeat(300)));
const body = fc.record(
  {
    clientCertificate: fc.oneof(text, fc.constant(42)),
    username: text,
    device: text,
    serial: text,
    policies: fc.oneof(fc.array(text, { maxLength: 3 }), fc.constant("dae1")),
    mode: fc.oneof(fc.constantFrom("required", "optional", "lookup", "LOOKUP"), fc.integer()),
    rule: fc.constantFrom("any", "all", "most"),
    refresh: fc.oneof(fc.boolean(), fc.constant("yes")),
    refreshWait: fc.oneof(fc.double({ min: -1, max: 12, noNaN: true }), fc.constant(0.1), fc.constant(10)),
    extra: fc.constant(1),
  },
  { requiredKeys: [] },
);

test("the compiled path answers exactly as zod does: same acceptance, same value, zod's message for every refusal", () => {
  fc.assert(
    fc.property(body, (value) => {
      const fast = parseEndpointCheck(value);
      const zod = EndpointCheckSchema.safeParse(value);
      assert.equal(fast.success, zod.success, JSON.stringify(value));
      if (fast.success && zod.success) assert.deepEqual(fast.data, zod.data);
      else assert.deepEqual(fast.error?.issues, zod.error?.issues);
    }),
    { numRuns: 3000 },
  );
});

test("a plain body is checked without zod", (t) => {
  const safeParse = t.mock.method(EndpointCheckSchema, "safeParse");
  const parsed = parseEndpointCheck({ mode: "lookup", username: "alice", policies: ["dae1"] });
  assert.deepEqual(parsed, { success: true, data: { mode: "lookup", rule: "any", refresh: false, refreshWait: 5, username: "alice", policies: ["dae1"] } });
  assert.equal(safeParse.mock.callCount(), 0);
  // A username with white space around it is trimmed: zod's job.
  assert.equal(parseEndpointCheck({ mode: "lookup", username: " alice ", policies: ["dae1"] }).data?.username, "alice");
  assert.equal(safeParse.mock.callCount(), 1);
});
