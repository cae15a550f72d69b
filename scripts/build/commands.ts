/**
 * Builds the three commands into plain JavaScript, so `facet`, `facet-agent` and
 * `facet-connector` start in a Node start-up, not a TypeScript compile (tsx costs 2–5 s a call):
 *
 *   dist/facet.mjs  dist/facet-agent.mjs  dist/facet-connector.mjs
 *   dist/sqlite-writer.mjs + dist/worker-boot.mjs   the connector's SQLite writer thread
 *   dist/verify-worker.mjs                          the connector's frame verify threads
 *
 * `npm install` runs it (the `prepare` script); `npm run build` after editing the sources. The
 * wrappers in bin/ (on PATH through `npm link` or `export PATH=$PWD/bin:$PATH`) load these files.
 * npm packages stay outside the bundles: better-sqlite3 is a native addon and pino starts its own
 * worker, both of which must load from node_modules, which is why outDir must sit inside the
 * checkout (Node finds node_modules by walking up from the bundle).
 *
 *   npx tsx scripts/build/main.ts      (npm run build)
 */
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

export const COMMANDS = {
  facet: "connector/cli/main.ts",
  "facet-agent": "agent/cli/main.ts",
  "facet-connector": "connector/main.ts",
} as const;

export type CommandName = keyof typeof COMMANDS;

/** The file name writer-thread.ts starts in a built connector (see its FACET_BUILT_WRITER_*). */
export const WRITER_WORKER_FILE = "sqlite-writer.mjs";
/** The file name verify-pool.ts starts in a built connector (see its FACET_BUILT_VERIFIER_*). */
const VERIFY_WORKER_FILE = "verify-worker.mjs";
const WORKER_PLACEHOLDER = { boot: "@@facet-writer-boot@@", entry: "@@facet-writer-entry@@" };
const VERIFIER_PLACEHOLDER = { boot: "@@facet-verifier-boot@@", entry: "@@facet-verifier-entry@@" };

export interface BuiltCommands {
  /** Holds the bundles. */
  distDir: string;
  /** Holds a wrapper per command: put it on PATH. */
  binDir: string;
  seconds: number;
}

/**
 * Bundles into `<outDir>/dist` and, when `withBin`, writes wrappers into `<outDir>/bin` (tests
 * build into a private directory of their own this way; the checkout's bin/ is committed).
 * `extraEntries` (output name → source) are bundled beside the commands the same way: the bench
 * runs its connector harness so, as the product ships.
 */
export async function buildCommands(opts: { root: string; outDir: string; withBin?: boolean; extraEntries?: Record<string, string> }): Promise<BuiltCommands> {
  const started = performance.now();
  const distDir = opts.withBin ? path.join(opts.outDir, "dist") : opts.outDir;
  // Old chunks would pile up: each build names its own by content hash.
  rmSync(path.join(distDir, "chunks"), { recursive: true, force: true });
  mkdirSync(distDir, { recursive: true });
  const result = await build({
    absWorkingDir: opts.root,
    entryPoints: [
      ...Object.entries({ ...COMMANDS, ...opts.extraEntries }).map(([name, entry]) => ({ in: entry, out: name })),
      { in: "connector/store/sqlite/writer-worker.ts", out: WRITER_WORKER_FILE.replace(/\.mjs$/, "") },
      { in: "connector/agent-channel/verify-worker.ts", out: VERIFY_WORKER_FILE.replace(/\.mjs$/, "") },
    ],
    outdir: distDir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    // Lazily imported modules (the policy parser, the config schema) become chunks of their own,
    // so the npm packages only they use (zod, the CEL engine) load only when they are needed.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    packages: "external",
    platform: "node",
    target: "node20",
    format: "esm",
    sourcemap: "linked",
    logLevel: "warning",
    // Where the worker threads' files are depends on the chunk their starters land in, known only
    // after the build: a placeholder now, the relative paths below.
    define: {
      FACET_BUILT_WRITER_BOOT: JSON.stringify(WORKER_PLACEHOLDER.boot),
      FACET_BUILT_WRITER_ENTRY: JSON.stringify(WORKER_PLACEHOLDER.entry),
      FACET_BUILT_VERIFIER_BOOT: JSON.stringify(VERIFIER_PLACEHOLDER.boot),
      FACET_BUILT_VERIFIER_ENTRY: JSON.stringify(VERIFIER_PLACEHOLDER.entry),
    },
    metafile: true,
  });
  copyFileSync(path.join(opts.root, "connector/store/sqlite/worker-boot.mjs"), path.join(distDir, "worker-boot.mjs"));
  // The console reads its stylesheet and script from ./assets beside its module
  // (connector/console/assets.ts): that module ends up in an entry or in a chunk, so both get them.
  for (const dir of [distDir, path.join(distDir, "chunks")]) cpSync(path.join(opts.root, "connector/console/assets"), path.join(dir, "assets"), { recursive: true });
  const workers = [
    { placeholder: WORKER_PLACEHOLDER, entry: WRITER_WORKER_FILE, starter: "its SQLite writer thread where the build expects (writer-thread.ts)" },
    { placeholder: VERIFIER_PLACEHOLDER, entry: VERIFY_WORKER_FILE, starter: "its verify threads where the build expects (verify-pool.ts)" },
  ];
  const outputs = Object.keys(result.metafile.outputs).filter((out) => out.endsWith(".mjs"));
  for (const worker of workers) {
    const holders = outputs.filter((out) => readFileSync(path.join(opts.root, out), "utf8").includes(worker.placeholder.boot));
    if (holders.length === 0) throw new Error(`the built connector does not start ${worker.starter}`);
    for (const out of holders) {
      const file = path.join(opts.root, out);
      const relative = (target: string) => `./${path.relative(path.dirname(file), path.join(distDir, target)).split(path.sep).join("/")}`.replace(/^\.\/\.\.\//, "../");
      writeFileSync(file, readFileSync(file, "utf8").replaceAll(worker.placeholder.boot, relative("worker-boot.mjs")).replaceAll(worker.placeholder.entry, relative(worker.entry)));
    }
  }
  const binDir = opts.withBin ? path.join(opts.outDir, "bin") : path.join(opts.root, "bin");
  if (opts.withBin) {
    mkdirSync(binDir, { recursive: true });
    for (const name of Object.keys(COMMANDS) as CommandName[]) {
      const file = path.join(binDir, name);
      writeFileSync(file, wrapperSource(name));
      chmodSync(file, 0o755);
    }
  }
  return { distDir, binDir, seconds: (performance.now() - started) / 1000 };
}

/** What bin/<name> holds: load the bundle, or say in one line how to build it. */
export function wrapperSource(name: CommandName): string {
  return `#!/usr/bin/env node
// \`${name}\`: runs the built dist/${name}.mjs (\`npm install\` or \`npm run build\` makes it).
// A dynamic import works whether Node reads this extension-less file as CommonJS or as ESM.
import("../dist/${name}.mjs").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("${name}.mjs")) {
    process.stderr.write("${name}: not built yet: run \`npm run build\` in the Facet checkout\\n");
    process.exit(1);
  }
  throw error;
});
`;
}
