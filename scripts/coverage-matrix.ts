/**
 * Prints the collectors' coverage: family × OS, whether the probe file exists, how many recorded
 * fixtures it has, the methods it uses, and the written reason for any cell without fixtures.
 * Exits non-zero when a cell is empty without a reason.
 *
 *   npm run coverage-matrix            the table
 *   npm run coverage-matrix -- --bench collection wall time and peak RSS on this machine
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FAMILIES, FIXTURE_GAPS, FIXTURE_PREFIX, METHODS, OSES } from "../agent/collectors/coverage.ts";

const root = new URL("../agent/collectors/", import.meta.url).pathname;
const FILE: Record<(typeof OSES)[number], string> = { darwin: "darwin.ts", windows: "windows.ts", linux: "linux.ts" };

function matrix(): number {
  let problems = 0;
  const rows: string[][] = [["family", "os", "probe", "fixtures", "methods / reason"]];
  for (const family of FAMILIES) {
    const fixtures = existsSync(join(root, family, "fixtures")) ? readdirSync(join(root, family, "fixtures")) : [];
    for (const os of OSES) {
      const probe = existsSync(join(root, family, FILE[os]));
      const count = fixtures.filter((f) => FIXTURE_PREFIX[os].test(f)).length;
      const gap = FIXTURE_GAPS[family]?.[os];
      let note = METHODS[family][os];
      if (count === 0) note += gap ? ` — no fixture: ${gap}` : " — NO FIXTURE AND NO REASON";
      if (!probe || (count === 0 && !gap)) problems++;
      rows.push([family, os, probe ? "yes" : "MISSING", String(count), note]);
    }
  }
  const widths = rows[0]!.slice(0, 4).map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(`${r.slice(0, 4).map((c, i) => c.padEnd(widths[i]!)).join("  ")}  ${r[4]}`);
  console.log(problems === 0 ? "\nevery cell has a probe, and fixtures or a written reason" : `\n${problems} cell(s) need attention`);
  return problems;
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
  process.exitCode = matrix() === 0 ? 0 : 1;
}
