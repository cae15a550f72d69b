/**
 * `npm run package [-- --apps agent,connector] [--targets linux-x64,win-x64] [--out dist] [--no-archives]`
 * Builds the single-file agent for every target (all five by default; see build.ts) and the
 * single-file connector for this build host (see connector/build.ts).
 * Exits non-zero if anything requested failed, after building the rest.
 */
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildPackages, formatTable, type TargetResult } from "./build.ts";
import { buildConnectorPackage } from "./connector/build.ts";
import { TARGETS, findTarget } from "./targets.ts";

const APPS = ["agent", "connector"] as const;
const USAGE = `usage: npm run package [-- --apps ${APPS.join(",")}] [--targets ${TARGETS.map((t) => t.id).join(",")}] [--out dist] [--no-archives]
  --targets picks the agent's targets; the connector is built for this host only.`;

const root = path.resolve(new URL("../..", import.meta.url).pathname);
let values: { apps: string; targets?: string; out: string; "no-archives": boolean; help: boolean };
try {
  ({ values } = parseArgs({
    options: {
      apps: { type: "string", default: APPS.join(",") },
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
const apps = values.apps.split(",").map((s) => s.trim());
const unknownApp = apps.find((a) => !(APPS as readonly string[]).includes(a));
if (unknownApp !== undefined) {
  console.error(`error: unknown app "${unknownApp}"\n${USAGE}`);
  process.exit(2);
}

const outDir = path.resolve(root, values.out);
const failed: TargetResult[] = [];
try {
  if (apps.includes("agent")) {
    const targets = values.targets ? values.targets.split(",").map((s) => findTarget(s.trim())) : TARGETS;
    const result = await buildPackages({ root, outDir, targets, archives: !values["no-archives"] });
    console.log(`\n${formatTable(result)}\n`);
    console.log(`Node.js ${result.nodeVersion}, bundle ${(result.bundle.bytes / 1024).toFixed(0)} KB, built in ${result.seconds.toFixed(1)} s → ${path.relative(process.cwd(), outDir) || "."}/ (SHA256SUMS, build-info.json)`);
    for (const r of result.results) if (r.warning) console.log(`warning: ${r.target}: ${r.warning}`);
    failed.push(...result.results.filter((r) => !r.ok));
  }
  if (apps.includes("connector")) {
    const r = await buildConnectorPackage({ root, outDir, archives: !values["no-archives"] });
    if (r.ok) {
      console.log(`\nfacet-connector ${r.target}: ${path.basename(r.file!)} ${mb(r.bytes!)}${r.archive ? `, ${path.basename(r.archive)} ${mb(r.archiveBytes!)}` : ""} (bundle ${mb(r.bundleBytes!)}, SQLite addon ${mb(r.addonBytes!)}) in ${r.seconds.toFixed(1)} s\n${r.sha256}`);
      recordConnector(r, apps.includes("agent"));
    } else failed.push(r);
  }
  for (const r of failed) console.error(`error: ${r.target}: ${r.error}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = 1;
}

/** Adds the connector to SHA256SUMS and build-info.json (fresh ones when the agent was not built now). */
function recordConnector(r: TargetResult, besideAgent: boolean): void {
  const sums = path.join(outDir, "SHA256SUMS");
  const info = path.join(outDir, "build-info.json");
  const lines = [`${r.sha256}  ${path.basename(r.file!)}`];
  if (r.archive) lines.push(`${createHash("sha256").update(readFileSync(r.archive)).digest("hex")}  ${path.basename(r.archive)}`);
  if (besideAgent) appendFileSync(sums, `${lines.join("\n")}\n`);
  else writeFileSync(sums, `${lines.join("\n")}\n`);
  const previous = besideAgent ? (JSON.parse(readFileSync(info, "utf8")) as object) : {};
  writeFileSync(info, JSON.stringify({ ...previous, connector: r }, null, 2) + "\n");
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
