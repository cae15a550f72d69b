/**
 * What a verify thread does with one real-size snapshot frame (agent-channel/frame-verdict.ts),
 * step by step, beside the whole verdict, with the page faults each step takes: the floor under
 * ingest's CPU per snapshot that no scheduling change removes. Whole frames and steady-state
 * (compact) frames of the recorded document, on one otherwise idle thread; each time is the median
 * of the rounds' means.
 *
 *   npx tsx scripts/bench/frame-steps.ts [--frames 300] [--rounds 5]
 */
import { Command } from "commander";
import { frameVerdict } from "../../connector/agent-channel/frame-verdict.ts";
import { expandFamilies } from "../../connector/agent-channel/expand-families.ts";
import { PublicKeyCache } from "../../connector/agent-channel/key-cache.ts";
import { renderFacts } from "../../connector/lookup/rendered-view.ts";
import { deflateOpenObject } from "../../connector/store/deflated-view.ts";
import { isCanonicalText } from "../../shared/signing/canonical.ts";
import { verifySignature } from "../../shared/signing/verify.ts";
import type { SnapshotFrame } from "../../shared/protocol/messages.ts";
import { generateBenchKey } from "./device-keys.ts";
import { realCompactFacts } from "./real-facts.ts";
import { canonicalSnapshotBody, signedSnapshotFrame } from "./snapshot-frames.ts";
import { templateFor } from "./snapshot-sizes.ts";
import { percentile } from "./stats.ts";

const opts = new Command("frame-steps")
  .option("--frames <n>", "frames per round", (v) => Number(v), 300)
  .option("--rounds <n>", "measured rounds", (v) => Number(v), 5)
  .parse()
  .opts<{ frames: number; rounds: number }>();

const key = generateBenchKey();
const publicKey = key.publicKeyRaw.toString("base64");
const keys = new PublicKeyCache();
const template = { ...templateFor("real", "bench-device", 1, "1.0.0"), compact: realCompactFacts(1) };
const nonce = (i: number) => `bench-nonce-${String(i).padStart(8, "0")}`;
const whole = Array.from({ length: opts.frames }, (_, i) => signedSnapshotFrame(template, key.privateKey, i + 2, nonce(i)));
const compact = Array.from({ length: opts.frames }, (_, i) => signedSnapshotFrame(template, key.privateKey, i + 2, nonce(i), undefined, undefined, true));
const latest = canonicalSnapshotBody(template, 1, new Date().toISOString(), nonce(-1));

const parsedFrames = whole.map((f) => JSON.parse(f.toString("utf8")) as SnapshotFrame);
const bodies = parsedFrames.map((f) => f.body);
const parsedBodies = bodies.map((b) => JSON.parse(b) as { facts: never; unknown: never });
const rendered = parsedBodies.map((b) => renderFacts(b.facts, b.unknown, "authentik"));
const compactFrames = compact.map((f) => JSON.parse(f.toString("utf8")) as SnapshotFrame);

/**
 * A step's median µs per frame over the rounds, and its page faults per frame over them all: the
 * process's count, as this script does its work on one thread.
 */
function measured(step: (i: number) => unknown): string {
  const means: number[] = [];
  let faults = 0;
  for (let round = 0; round <= opts.rounds; round++) {
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    for (let i = 0; i < opts.frames; i++) step(i);
    // Round 0 warms the code up and is not counted.
    if (round > 0) {
      means.push(((performance.now() - t0) * 1000) / opts.frames);
      faults += process.resourceUsage().minorPageFault - f0;
    }
  }
  return `${percentile(means.sort((a, b) => a - b), 50).toFixed(0)} | ${(faults / (opts.frames * opts.rounds)).toFixed(1)}`;
}

function verdictOk(v: ReturnType<typeof frameVerdict>): void {
  if (v.kind !== "snapshot" || !v.body?.ok) throw new Error(`the bench frame was refused: ${JSON.stringify(v).slice(0, 300)}`);
}

const steps: [string, (i: number) => unknown][] = [
  ["frame JSON.parse (whole frame)", (i) => JSON.parse(whole[i]!.toString("utf8"))],
  ["Ed25519 verify of the body", (i) => verifySignature("snapshot", bodies[i]!, Buffer.from(parsedFrames[i]!.signature, "base64"), keys.get(publicKey))],
  ["body JSON.parse", (i) => JSON.parse(bodies[i]!)],
  ["canonical-form check", (i) => isCanonicalText(bodies[i]!, parsedBodies[i])],
  ["authentik view rendered", (i) => renderFacts(parsedBodies[i]!.facts, parsedBodies[i]!.unknown, "authentik")],
  ["authentik view deflated", (i) => deflateOpenObject(rendered[i]!)],
  ["compact frame expanded", (i) => expandFamilies(compactFrames[i]!, latest)],
];

console.log(`frames: whole ${whole[0]!.length} B (body ${Buffer.byteLength(bodies[0]!)} B), compact ${compact[0]!.length} B; ${opts.frames} per round, ${opts.rounds} rounds`);
console.log(`| step | µs per frame | page faults per frame |\n| --- | --- | --- |`);
for (const [name, step] of steps) console.log(`| ${name} | ${measured(step)} |`);
console.log(`| **whole frame: frameVerdict** | ${measured((i) => verdictOk(frameVerdict(whole[i]!, publicKey, keys)))} |`);
console.log(`| **compact frame: frameVerdict** | ${measured((i) => verdictOk(frameVerdict(compact[i]!, publicKey, keys, latest)))} |`);
