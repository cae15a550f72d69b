/**
 * `npm run bench -- --only startup`: how long a user waits for each command, as real processes.
 *
 * The three commands are built from the current sources into a private directory inside the
 * checkout (as test/support/commands.ts does: the bundles find node_modules by walking up) and run
 * through their bin/ wrappers, the way they are on PATH. Each case runs `runs` times, round-robin,
 * so machine load drifting during the run touches every case alike; `node -e 0` in the same rounds
 * is the floor a Node.js process cannot go below on this machine. The packaged binaries
 * (`npm run package`) are timed too when they are in `binariesDir`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { buildCommands } from "../build/commands.ts";
import { percentiles, type Percentiles } from "./stats.ts";

export interface StartupCase {
  name: string;
  medianMs: number;
  p90Ms: number;
  /** median ÷ the baseline's median in the same rounds. */
  ratioToBaseline: number;
  ms: Percentiles;
}

export interface StartupResult {
  runs: number;
  devices: number;
  cases: StartupCase[];
  /** 1-minute load average before and after the rounds (the machine is shared). */
  loadBefore: number;
  loadAfter: number;
}

interface Case {
  name: string;
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export async function startupRun(opts: {
  root: string;
  runs: number;
  connectorUrl: string;
  apiToken: string;
  devices: number;
  binariesDir: string;
  log: (line: string) => void;
}): Promise<StartupResult> {
  const parent = path.join(opts.root, "dist", "bench-builds");
  mkdirSync(parent, { recursive: true });
  const outDir = mkdtempSync(path.join(parent, "build-"));
  // No context file, no admin.token next to a default database: the URL and token given here only.
  const home = mkdtempSync(path.join(tmpdir(), "facet-bench-home-"));
  try {
    const { binDir } = await buildCommands({ root: opts.root, outDir, withBin: true });
    const cli = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), FACET_CONFIG: "", FACET_URL: opts.connectorUrl, FACET_TOKEN: opts.apiToken, FACET_DATABASE: "", NO_COLOR: "1" };
    const cases: Case[] = [
      { name: "node -e 0 (baseline)", file: process.execPath, args: ["-e", "0"] },
      { name: "facet --version", file: path.join(binDir, "facet"), args: ["--version"] },
      { name: "facet-connector --version", file: path.join(binDir, "facet-connector"), args: ["--version"] },
      { name: "facet-agent --version", file: path.join(binDir, "facet-agent"), args: ["--version"] },
      { name: `facet devices ls (${opts.devices} devices)`, file: path.join(binDir, "facet"), args: ["devices", "ls"], env: cli },
    ];
    for (const [app, file] of [["facet-connector", "facet-connector-linux-x64"], ["facet-agent", "facet-agent-linux-x64"]] as const) {
      const binary = path.join(opts.binariesDir, file);
      if (process.platform === "linux" && process.arch === "x64" && existsSync(binary)) cases.push({ name: `${app} --version (packaged, ${file})`, file: binary, args: ["--version"] });
    }
    // Each case once before timing: the page cache holds the files for every timed round alike.
    for (const c of cases) await timeOnce(c);
    const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    const loadBefore = loadavg()[0]!;
    opts.log(`startup: ${cases.length} commands × ${opts.runs} rounds (load ${loadBefore.toFixed(2)})`);
    for (let round = 0; round < opts.runs; round++) {
      for (const c of cases) samples.get(c.name)!.push(await timeOnce(c));
    }
    const loadAfter = loadavg()[0]!;
    const baseline = percentiles(samples.get(cases[0]!.name)!).p50;
    return {
      runs: opts.runs,
      devices: opts.devices,
      loadBefore,
      loadAfter,
      cases: cases.map((c) => {
        const ms = percentiles(samples.get(c.name)!);
        return { name: c.name, medianMs: ms.p50, p90Ms: ms.p90, ratioToBaseline: ms.p50 / baseline, ms };
      }),
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

/** Wall time from spawn to exit; a command that fails is a broken bench, not a slow sample. */
function timeOnce(c: Case): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(c.file, c.args, { env: c.env ?? { ...process.env, FACET_LOG_LEVEL: "silent" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${c.name} exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}
