/**
 * The real agent's snapshot frame on this machine: the real collectors run twice, the first
 * snapshot full, the second compact against it (as after the first ack); prints both frame sizes
 * and each family's size and whether it changed between the two collections.
 *
 *   npx tsx scripts/snapshot-size.ts [--pause-ms 5000]
 */
import { collectFacts } from "../agent/collectors/index.ts";
import { FamilyBaseline, familyStates } from "../agent/snapshot/baseline.ts";
import { buildSnapshotBody, signSnapshot } from "../agent/snapshot/build.ts";
import { withFacetVendor } from "../agent/snapshot/vendor.ts";
import { diffArrays } from "diff";
import { canonicalText } from "../shared/signing/canonical.ts";
import { generateKeyPair } from "../shared/signing/sign.ts";

const pauseArg = process.argv.indexOf("--pause-ms");
const pauseMs = pauseArg > 0 ? Number(process.argv[pauseArg + 1]) : 5000;
const keys = generateKeyPair();
const baseline = new FamilyBaseline();

async function snapshot(seq: number) {
  const collected = await collectFacts();
  const { facts, unknown } = withFacetVendor(collected.facts, collected.unknown);
  const families = familyStates(facts);
  const frame = signSnapshot(
    buildSnapshotBody("dev_measure", "n".repeat(43), { seq, collectedAt: new Date().toISOString(), facts, unknown }),
    keys.secretKey,
    undefined,
    baseline.compaction(families),
  );
  baseline.sent(seq, families);
  baseline.acknowledged(seq);
  return { frame, families, unknownBytes: JSON.stringify(unknown).length };
}

const first = await snapshot(1);
await new Promise((resolve) => setTimeout(resolve, pauseMs));
const second = await snapshot(2);
const bytes = (frame: object) => Buffer.byteLength(JSON.stringify(frame), "utf8");
console.log(`first snapshot (full):     ${bytes(first.frame)} B frame, body ${Buffer.byteLength(first.frame.body)} B`);
console.log(`second snapshot (compact): ${bytes(second.frame)} B frame, body ${Buffer.byteLength(second.frame.body)} B, ${Object.keys(second.frame.digests ?? {}).length} families as digests, ${Object.keys(second.frame.deltas ?? {}).join(", ") || "none"} as edits, unknown map ${second.unknownBytes} B`);
for (const [family, now] of second.families) {
  const before = first.families.get(family);
  const changed = before?.digest !== now.digest;
  let items = "";
  if (changed && Array.isArray(before?.value) && Array.isArray(now.value)) {
    const changes = diffArrays(before.value.map(canonicalText), now.value.map(canonicalText));
    const n = (pick: (c: (typeof changes)[number]) => boolean | undefined) => changes.filter(pick).reduce((sum, c) => sum + c.value.length, 0);
    items = ` (${now.value.length} items: ${n((c) => c.removed)} gone, ${n((c) => c.added)} new)`;
  }
  console.log(`  ${family.padEnd(10)} ${String(now.bytes).padStart(7)} B  ${changed ? "changed" : "unchanged"}${items}`);
}
