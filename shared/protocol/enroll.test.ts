import { test } from "node:test";
import assert from "node:assert/strict";
import { EnrollRequestSchema } from "./enroll.ts";

const valid = {
  token: "fce_0123456789abcdef",
  publicKey: Buffer.alloc(32, 1).toString("base64"),
  signature: Buffer.alloc(64, 2).toString("base64"),
  hostname: "laptop-42",
  username: "zoë",
};

test("accepts a well-formed request with non-ASCII names", () => {
  assert.equal(EnrollRequestSchema.safeParse(valid).success, true);
});

test("rejects control characters in names a database indexes", () => {
  for (const field of ["hostname", "username", "platform", "agentVersion"]) {
    assert.equal(EnrollRequestSchema.safeParse({ ...valid, [field]: "a\u0000b" }).success, false, field);
    assert.equal(EnrollRequestSchema.safeParse({ ...valid, [field]: "a\nb" }).success, false, field);
  }
});

test("rejects a public key that is not 32 bytes of base64", () => {
  assert.equal(EnrollRequestSchema.safeParse({ ...valid, publicKey: Buffer.alloc(31).toString("base64") }).success, false);
  assert.equal(EnrollRequestSchema.safeParse({ ...valid, extra: 1 }).success, false);
});
