/**
 * µs per `toAuthentikView` call on the real agent document (fixtures/linux-agent-facts.json), the
 * compiled fitters against the pre-compilation implementation kept as the tests' oracle, in the same
 * run; JSON.parse of the document (compact JSON) and JSON.stringify of its view alongside, for scale.
 *
 *   npx tsx scripts/bench/authentik-view.ts [--rounds 7]
 *
 * Rounds alternate the implementations so a burst of load from elsewhere lands on both; the median
 * round is reported, with the fastest and slowest, in wall-clock time and in the process's CPU time
 * (which other processes' load inflates less: the machine this runs on is often shared).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { toAuthentikView } from "../../shared/facts/authentik-view.ts";
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { toAuthentikViewOracle } from "../../test/support/facts/authentik-view-oracle.ts";

const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "7" } } });
const rounds = Number(args.rounds);

const recording = readFileSync(new URL("fixtures/linux-agent-facts.json", import.meta.url), "utf8");
const { facts, unknown } = JSON.parse(recording) as { facts: Facts; unknown: Unknown };
/** The document as an agent sends it: compact JSON, without the recording's header. */
const body = JSON.stringify(facts);

if (JSON.stringify(toAuthentikView(facts, unknown)) !== JSON.stringify(toAuthentikViewOracle(facts, unknown))) {
  throw new Error("the compiled view differs from the oracle's on the real document");
}

const view = toAuthentikView(facts, unknown).data;

/** Calls per round, sized so a round takes about half a second for each. */
const cases: Array<{ label: string; calls: number; run: () => unknown }> = [
  { label: "toAuthentikView, pre-compilation (oracle)", calls: 400, run: () => toAuthentikViewOracle(facts, unknown) },
  { label: "toAuthentikView, compiled", calls: 5_000, run: () => toAuthentikView(facts, unknown) },
  { label: "JSON.parse of the document", calls: 1_500, run: () => JSON.parse(body) },
  { label: "JSON.stringify of the view", calls: 2_500, run: () => JSON.stringify(view) },
];

interface Round {
  wall: number;
  cpu: number;
}

/** µs per call, wall-clock and CPU, over `calls` calls. */
function round(run: () => unknown, calls: number): Round {
  let sink: unknown;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink = run();
  const wall = Number(process.hrtime.bigint() - start) / 1e3;
  const cpu = process.cpuUsage(cpuStart);
  if (sink === undefined) throw new Error("nothing returned");
  return { wall: wall / calls, cpu: (cpu.user + cpu.system) / calls };
}

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const c of cases) round(c.run, c.calls);
const samples = cases.map(() => [] as Round[]);
for (let r = 0; r < rounds; r++) cases.forEach((c, i) => samples[i]!.push(round(c.run, c.calls)));

console.log(`document: ${(body.length / 1024).toFixed(1)} KB of facts as JSON, ${facts.software?.length ?? 0} software entries, ${facts.processes?.length ?? 0} processes; ${rounds} rounds`);
console.log(`${"".padEnd(44)} ${"wall µs/call (min–max)".padStart(26)} ${"CPU µs/call".padStart(12)}`);
cases.forEach((c, i) => {
  const walls = samples[i]!.map((r) => r.wall);
  const range = `(${Math.min(...walls).toFixed(0)}–${Math.max(...walls).toFixed(0)})`;
  console.log(`${c.label.padEnd(44)} ${median(walls).toFixed(1).padStart(12)} ${range.padStart(13)} ${median(samples[i]!.map((r) => r.cpu)).toFixed(1).padStart(12)}`);
});
