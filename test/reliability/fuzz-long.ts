/**
 * `npm run fuzz -- --runs 100000 [--seed N]`: the fuzz properties of fuzz.test.ts, run as long as
 * asked against one live connector. Runs are split between frames before auth, bad snapshots on
 * live sessions, and REST requests. Exits non-zero with fast-check's counterexample and seed.
 */
import { Command } from "commander";
import fc from "fast-check";
import { FuzzTarget, assertStillServing, preAuthProperty, restProperty, sessionProperty } from "../support/fuzz/harness.ts";

const opts = new Command("fuzz")
  .option("--runs <n>", "total inputs", (v) => parseInt(v, 10), 10_000)
  .option("--seed <n>", "fast-check seed (printed on failure)", (v) => parseInt(v, 10))
  .parse()
  .opts<{ runs: number; seed?: number }>();

const target = await FuzzTarget.start();
const started = performance.now();
let failed = false;
try {
  const share = Math.max(1, Math.floor(opts.runs / 3));
  const plan: [string, fc.IAsyncPropertyWithHooks<never>, number][] = [
    ["frames before auth", preAuthProperty(target) as fc.IAsyncPropertyWithHooks<never>, share],
    ["bad snapshots on live sessions (sequences of up to 6)", sessionProperty(target) as fc.IAsyncPropertyWithHooks<never>, Math.max(1, Math.floor(share / 3))],
    ["REST requests", restProperty(target) as fc.IAsyncPropertyWithHooks<never>, share],
  ];
  for (const [name, property, numRuns] of plan) {
    const t0 = performance.now();
    await fc.assert(property, { numRuns, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
    await assertStillServing(target);
    console.log(`ok  ${name}: ${numRuns} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const counts = await target.t.connector.store.counts();
  console.log(`connector still serving after ${((performance.now() - started) / 1000).toFixed(1)} s; rows: ${JSON.stringify(counts)}`);
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  await target.stop();
}
process.exit(failed ? 1 : 0);
