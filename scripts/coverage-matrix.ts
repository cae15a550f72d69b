/**
 * Prints the collectors' coverage per probe and OS: what the probe reads, how many fixtures back
 * it — real recordings by others, Facet's own recordings, synthetic inputs — how far it is from
 * the goal of GOAL_REAL real recordings, and the written reason where it falls short.
 * Exits non-zero on any problem (see agent/collectors/coverage-scan.ts).
 *
 *   npm run coverage-matrix            the table
 *   npm run coverage-matrix -- --bench collection wall time and peak RSS on this machine
 */
import { GOAL_REAL } from "../agent/collectors/coverage.ts";
import { scanCoverage } from "../agent/collectors/coverage-scan.ts";

async function matrix(): Promise<number> {
  const { rows, problems } = await scanCoverage();
  const table: string[][] = [["family", "os", "probe", "real", "own", "synth", "gap", "reads / reason for the gap"]];
  for (const r of rows) {
    const note = r.short > 0 && r.probe.gap ? `${r.probe.reads} — ${r.probe.gap}` : r.probe.reads;
    table.push([r.probe.family, r.probe.os, r.probe.id, String(r.counts.real), String(r.counts.own), String(r.counts.synthetic), r.short ? `-${r.short}` : "ok", note]);
  }
  const n = table[0]!.length - 1;
  const widths = table[0]!.slice(0, n).map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) console.log(`${r.slice(0, n).map((c, i) => c.padEnd(widths[i]!)).join("  ")}  ${r[n]}`);
  const sum = (k: "real" | "own" | "synthetic") => rows.reduce((a, r) => a + r.counts[k], 0);
  const met = rows.filter((r) => r.short === 0).length;
  const some = rows.filter((r) => r.counts.real > 0).length;
  console.log(`\n${rows.length} probes: ${met} with ≥ ${GOAL_REAL} real recordings, ${some} with at least one, ${rows.length - some} with none`);
  console.log(`fixture uses: ${sum("real")} real (recorded by others), ${sum("own")} own (Facet's build machine), ${sum("synthetic")} synthetic`);
  for (const p of problems) console.log(`PROBLEM: ${p}`);
  console.log(problems.length === 0 ? "every probe has a parser, every fixture a kind and a probe, every gap a reason" : `\n${problems.length} problem(s)`);
  return problems.length;
}

async function bench(runs: number): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const { collectFacts } = await import("../agent/collectors/index.ts");
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = await collectFacts({ fresh: i === 0 });
    times.push(performance.now() - started);
    if (i === 0) console.log(`first run: ${Math.round(times[0]!)} ms, ${Object.keys(result.unknown).length} unknown paths, ${JSON.stringify(result.facts).length} bytes of facts`);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  const median = warm.length ? warm[Math.floor(warm.length / 2)]! : times[0]!;
  const maxRssKb = process.resourceUsage().maxRSS;
  console.log(`runs: ${runs}; cold ${Math.round(times[0]!)} ms; warm median ${Math.round(median)} ms, max ${Math.round(Math.max(...times))} ms`);
  console.log(`RSS before loading collectors: ${(rssBefore / 1048576).toFixed(1)} MiB; peak RSS of the process: ${(maxRssKb / 1024).toFixed(1)} MiB`);
}

if (process.argv.includes("--bench")) {
  const n = Number(process.argv[process.argv.indexOf("--bench") + 1]);
  await bench(Number.isInteger(n) && n > 0 ? n : 5);
} else {
  process.exitCode = (await matrix()) === 0 ? 0 : 1;
}
