/**
 * Property-based fuzzing of a live connector (frames and REST bodies). A few hundred inputs here;
 * `npm run fuzz -- --runs 100000` runs the same properties longer.
 */
import { after, before, test } from "node:test";
import fc from "fast-check";
import { FuzzTarget, assertStillServing, preAuthProperty, restProperty, sessionProperty } from "../support/fuzz/harness.ts";

let target: FuzzTarget;
const runs = Number(process.env.FACET_FUZZ_RUNS ?? 150);

before(async () => {
  target = await FuzzTarget.start();
});

after(async () => {
  await target.stop();
});

test("every frame sent before auth gets an error code and changes nothing", { timeout: 120_000 }, async () => {
  await fc.assert(preAuthProperty(target), { numRuns: runs });
  await assertStillServing(target);
});

test("every bad snapshot on a live session gets its error code and changes nothing, between good ones", { timeout: 120_000 }, async () => {
  await fc.assert(sessionProperty(target), { numRuns: Math.ceil(runs / 2) });
  await assertStillServing(target);
});

test("every bad REST request gets a 4xx with an error code and changes nothing", { timeout: 120_000 }, async () => {
  await fc.assert(restProperty(target), { numRuns: runs });
  await assertStillServing(target);
});
