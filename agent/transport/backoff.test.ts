import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";

test("every delay lies within [0, min(cap, base·2^attempt)]", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
      const delay = backoffDelay(attempt, { random: () => r });
      const ceiling = Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** attempt);
      return Number.isInteger(delay) && delay >= 0 && delay <= ceiling;
    }),
  );
});

test("the window doubles per attempt from the base and stops at the cap of 5 minutes", () => {
  assert.equal(backoffCeiling(0), 1000);
  assert.equal(backoffCeiling(1), 2000);
  assert.equal(backoffCeiling(5), 32_000);
  assert.equal(backoffCeiling(8), 256_000);
  assert.equal(backoffCeiling(9), 300_000);
  assert.equal(backoffCeiling(10_000), 300_000);
  // The largest random value gets (almost) the whole capped window, never more.
  const nearOne = 1 - Number.EPSILON;
  assert.equal(backoffDelay(50, { random: () => nearOne }), 299_999);
});

test("full jitter: the delay is the random fraction of the window", () => {
  assert.equal(backoffDelay(3, { random: () => 0 }), 0);
  assert.equal(backoffDelay(3, { random: () => 0.5 }), 4000);
  assert.equal(backoffDelay(3, { random: () => 0.25, baseMs: 100, capMs: 500 }), 125);
  const draws: number[] = [];
  backoffDelay(2, { random: () => (draws.push(1), 0.1) });
  assert.equal(draws.length, 1, "each delay draws exactly one random number");
});

test("a misbehaving random source cannot push the delay outside the window", () => {
  assert.equal(backoffDelay(2, { random: () => 7 }), 4000);
  assert.equal(backoffDelay(2, { random: () => -3 }), 0);
});
