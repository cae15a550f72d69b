/**
 * Bundles the agent into one CommonJS file for the SEA blob (Node 22's SEA runs a CommonJS main
 * and its `require` reaches only built-in modules, so everything must be inside the file).
 *
 * The agent must not carry connector code or native addons: the bundle's inputs are checked and the
 * build fails naming the offending import rather than shipping a binary that breaks on a laptop.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build, type BuildOptions, type Metafile, type OutputFile } from "esbuild";

export interface Bundle {
  file: string;
  bytes: number;
  /** A line unique to this bundle's content, embedded in every binary so tests can find the app. */
  marker: string;
  inputs: string[];
}

/** Paths an agent bundle must never include. */
const FORBIDDEN: { pattern: RegExp; why: string }[] = [
  { pattern: /^connector\//, why: "connector code does not belong in the agent" },
  { pattern: /node_modules\/(better-sqlite3|pg|pg-native|hono|@hono)\//, why: "a connector-only dependency" },
  { pattern: /\.node$/, why: "a native addon cannot load from a single-file executable" },
];

export function forbiddenInputs(inputs: string[]): string[] {
  return inputs.flatMap((input) => {
    const hit = FORBIDDEN.find((f) => f.pattern.test(input.replaceAll("\\", "/")));
    return hit ? [`${input}: ${hit.why}`] : [];
  });
}

/** What every single-file bundle shares: one minified CommonJS file, kept in memory with its metafile. */
export function singleFileBuildOptions(root: string): BuildOptions {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    write: false,
    metafile: true,
    minify: true,
    keepNames: true,
    legalComments: "none",
    logLevel: "silent",
    // The sources are ESM; in the CommonJS bundle `import.meta.url` is rebuilt from __filename.
    define: { "import.meta.url": "__facetImportMetaUrl" },
    banner: { js: 'var __facetImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  };
}

/** Writes a bundle with a line naming the app, its version and a digest of its content. */
export function writeMarkedBundle(out: OutputFile, opts: { app: string; version: string; outDir: string; inputs: string[] }): Bundle {
  const digest = createHash("sha256").update(out.contents).digest("hex").slice(0, 32);
  const marker = `${opts.app}-bundle ${opts.version} ${digest}`;
  // The entry's `#!` line must stay first or the bundle does not parse; the marker goes after it.
  const hashbang = /^#!.*\n/.exec(out.text)?.[0] ?? "";
  const text = `${hashbang}// ${marker}\n${out.text.slice(hashbang.length)}`;
  mkdirSync(opts.outDir, { recursive: true });
  const file = path.join(opts.outDir, `${opts.app}.cjs`);
  writeFileSync(file, text);
  return { file, bytes: Buffer.byteLength(text), marker, inputs: opts.inputs };
}

export async function bundleAgent(opts: { root: string; entry: string; outDir: string; version: string }): Promise<Bundle> {
  const result = await build({
    ...singleFileBuildOptions(opts.root),
    entryPoints: [opts.entry],
    // ws loads these optional native accelerators in a try/catch; leave them out.
    external: ["bufferutil", "utf-8-validate"],
  });
  const inputs = Object.keys((result.metafile as Metafile).inputs);
  const bad = forbiddenInputs(inputs);
  if (bad.length > 0) throw new Error(`the agent bundle pulls in what it must not:\n  ${bad.join("\n  ")}`);
  const out = result.outputFiles?.[0];
  if (!out) throw new Error("esbuild produced no output");
  return writeMarkedBundle(out, { app: "facet-agent", version: opts.version, outDir: opts.outDir, inputs });
}
