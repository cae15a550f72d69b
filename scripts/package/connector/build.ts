/**
 * `npm run package -- --apps connector`: the connector as one self-contained executable for the
 * build host (linux-x64 in practice: the server platform).
 *
 *   1. bundle.ts bundles connector/main.ts (with its writer thread and console assets) into one
 *      CommonJS file.
 *   2. The host's Node.js base comes from the npm registry (node-base.ts), as for the agent.
 *   3. better-sqlite3's addon is compiled for that base (sqlite-addon.ts; cached); bufferutil's
 *      comes prebuilt in its npm package (N-API, so any Node base loads it).
 *   4. The base itself writes the SEA blob from a sea-config.json naming the bundle as main and the
 *      addons as assets (pkg's simple SEA mode takes no assets), and postject injects it into a
 *      copy of the base, exactly as pkg does for the agent.
 *   5. The result is checked (format, CPU, SEA fuse, bundle inside, size), run with `--version`,
 *      and moved into the output directory, with a .tar.gz holding it as `facet-connector`.
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { inject } from "postject";
import { writeArchive, fileSize } from "../archive.ts";
import { checkBinary, type TargetResult } from "../build.ts";
import { SEA_FUSE } from "../executable.ts";
import { defaultCacheDir, fetchNodeBase } from "../node-base.ts";
import { sqliteAddonFor } from "../sqlite-addon.ts";
import { NODE_VERSION, hostTarget, type Target } from "../targets.ts";
import { bundleConnector } from "./bundle.ts";
import { ADDON_ASSETS } from "./embedded-addon.ts";

const execFileAsync = promisify(execFile);

/** What Facet adds to the base: bundle (with its writer copy) + the addons + slack. */
export const CONNECTOR_ADDED_BYTES_BUDGET = 16 * 1024 * 1024;

export interface ConnectorBuildOptions {
  root: string;
  outDir: string;
  cacheDir?: string;
  archives?: boolean;
  log?: (line: string) => void;
}

export interface ConnectorBuildResult extends TargetResult {
  marker?: string;
  bundleBytes?: number;
  addonBytes?: number;
}

/** The file name in the output directory; the archive holds it as `facet-connector`. */
export const connectorFileName = (t: Target): string => `facet-connector-${t.id}${t.platform === "win" ? ".exe" : ""}`;

export async function buildConnectorPackage(opts: ConnectorBuildOptions): Promise<ConnectorBuildResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = performance.now();
  const t = hostTarget();
  if (!t) throw new Error(`no Node.js base for this host (${process.platform}-${process.arch})`);
  const seconds = () => (performance.now() - started) / 1000;
  try {
    return { ...(await build(t, opts, log)), seconds: seconds() };
  } catch (err) {
    log(`connector ${t.id} FAILED ${(err as Error).message}`);
    return { target: t.id, ok: false, error: (err as Error).message, seconds: seconds() };
  }
}

async function build(t: Target, opts: ConnectorBuildOptions, log: (l: string) => void): Promise<Omit<ConnectorBuildResult, "seconds">> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const workDir = path.join(opts.outDir, ".build-connector");
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  try {
    const version = (JSON.parse(readFileSync(path.join(opts.root, "package.json"), "utf8")) as { version: string }).version;
    log(`connector facet-connector ${version} on Node.js ${NODE_VERSION} for ${t.id}`);
    const bundle = await bundleConnector({ root: opts.root, outDir: workDir, version });
    log(`connector bundle ${mb(bundle.bytes)} from ${bundle.inputs.length} modules`);
    const base = await fetchNodeBase(t, cacheDir);
    const addon = await sqliteAddonFor({ root: opts.root, target: t, base, cacheDir, log });
    log(`connector better-sqlite3 ${addon.version} addon ${addon.fromCache ? "cached" : "compiled"} (${mb(fileSize(addon.file))})`);
    const bufferutil = bufferutilAddonFor(opts.root, t);
    if (!bufferutil) log(`connector bufferutil has no prebuilt addon for ${t.id}: ws will unmask agents' frames in JavaScript`);

    const blob = path.join(workDir, "sea-prep.blob");
    const config = path.join(workDir, "sea-config.json");
    writeFileSync(config, JSON.stringify({
      main: bundle.file,
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: false,
      assets: { [ADDON_ASSETS.sqlite]: addon.file, ...(bufferutil ? { [ADDON_ASSETS.bufferutil]: bufferutil } : {}) },
    }));
    // The blob's writer must be the exact Node version that reads it: the base itself.
    await execFileAsync(base.binary, ["--experimental-sea-config", config], { cwd: workDir });
    const staged = path.join(workDir, connectorFileName(t));
    copyFileSync(base.binary, staged);
    chmodSync(staged, 0o755);
    await withoutBenignLiefWarnings(() => inject(staged, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: SEA_FUSE, overwrite: true }));

    const buf = readFileSync(staged);
    const problems = checkBinary(buf, t, bundle.marker, fileSize(base.binary), false, CONNECTOR_ADDED_BYTES_BUDGET);
    if (problems.length > 0) throw new Error(`built binary rejected: ${problems.join("; ")}`);
    const out = (await execFileAsync(staged, ["--version"], { encoding: "utf8", timeout: 30_000 })).stdout.trim();
    if (!out.includes(version)) throw new Error(`built binary answered --version with "${out}", expected ${version}`);
    log(`connector runs: --version → ${out}`);

    mkdirSync(opts.outDir, { recursive: true });
    const file = path.join(opts.outDir, connectorFileName(t));
    rmSync(file, { force: true });
    renameSync(staged, file);
    let archive: string | undefined;
    let archiveBytes: number | undefined;
    if (opts.archives ?? true) {
      archive = path.join(opts.outDir, `facet-connector-${t.id}.${t.archive}`);
      await writeArchive(t.archive, file, t.platform === "win" ? "facet-connector.exe" : "facet-connector", archive);
      archiveBytes = fileSize(archive);
    }
    const sha256 = createHash("sha256").update(buf).digest("hex");
    return {
      target: t.id, ok: true, file, bytes: buf.length, archive, archiveBytes, gzipBytes: t.archive === "tar.gz" ? archiveBytes : undefined,
      sha256, signedWith: null, marker: bundle.marker, bundleBytes: bundle.bytes, addonBytes: fileSize(addon.file),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** bufferutil's prebuilt addon for the target, as its npm package ships it (no install script runs); it has none for some targets. */
function bufferutilAddonFor(root: string, t: Target): string | null {
  const file = path.join(root, "node_modules", "bufferutil", "prebuilds", `${t.nodePlatform}-${t.arch}`, "bufferutil.node");
  return existsSync(file) ? file : null;
}

/**
 * postject's LIEF re-reads the ELF after growing its section table and warns that the `.note`
 * section names moved; the binary is fine (pkg hides the same lines). Anything else still prints.
 */
async function withoutBenignLiefWarnings<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (/^warning: Can't find string offset for section name '\.note/.test(String(chunk))) return true;
    return (write as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return await fn();
  } finally {
    process.stderr.write = write;
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
