#!/usr/bin/env node
/**
 * `npm run package [-- --targets linux-x64,win-x64] [--out dist] [--no-archives]`
 * Builds the single-file agent for every target (all five by default); see build.ts.
 * Exits non-zero if any requested target failed, after building the others.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { buildPackages, formatTable } from "./build.ts";
import { TARGETS, findTarget } from "./targets.ts";

const USAGE = `usage: npm run package [-- --targets ${TARGETS.map((t) => t.id).join(",")}] [--out dist] [--no-archives]`;

const root = path.resolve(new URL("../..", import.meta.url).pathname);
let values: { targets?: string; out: string; "no-archives": boolean; help: boolean };
try {
  ({ values } = parseArgs({
    options: {
      targets: { type: "string" },
      out: { type: "string", default: "dist" },
      "no-archives": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (err) {
  console.error(`error: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const targets = values.targets ? values.targets.split(",").map((s) => findTarget(s.trim())) : TARGETS;
const outDir = path.resolve(root, values.out);
try {
  const result = await buildPackages({ root, outDir, targets, archives: !values["no-archives"] });
  console.log(`\n${formatTable(result)}\n`);
  console.log(`Node.js ${result.nodeVersion}, bundle ${(result.bundle.bytes / 1024).toFixed(0)} KB, built in ${result.seconds.toFixed(1)} s → ${path.relative(process.cwd(), outDir) || "."}/ (SHA256SUMS, build-info.json)`);
  for (const r of result.results) if (r.warning) console.log(`warning: ${r.target}: ${r.warning}`);
  const failed = result.results.filter((r) => !r.ok);
  for (const r of failed) console.error(`error: ${r.target}: ${r.error}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = 1;
}
