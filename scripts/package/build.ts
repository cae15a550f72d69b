/**
 * `npm run package`: the agent as one self-contained executable per target.
 *
 *   1. esbuild bundles agent/cli/main.ts into one CommonJS file (no connector code, no addons).
 *   2. Each target's official Node.js base comes from the npm registry (node-base.ts), verified
 *      against pinned integrity and cached between builds.
 *   3. @yao-pkg/pkg, in SEA mode, turns the bundle into a SEA blob and injects it into each base.
 *      pkg itself needs Node ≥ 22 and makes the blob with the Node that runs it, so it runs under the
 *      host's own 22.23.2 base: the blob's writer is then exactly the version that reads it.
 *      pkg would download bases from nodejs.org, which this build must not need; it finds ours
 *      instead in its SEA cache layout, seeded in a private HOME.
 *   4. Each result is checked (format, CPU, SEA fuse, bundle inside; the host's own binary is run)
 *      before it is moved into dist/. A target that fails anywhere is reported and left out.
 *   5. Archives, SHA256SUMS, and a table of sizes.
 */
import { createHash } from "node:crypto";
import { spawn, execFileSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createGzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { bundleAgent, type Bundle } from "./bundle.ts";
import { defaultCacheDir, fetchNodeBase, type NodeBase } from "./node-base.ts";
import { containsMarker, inspectExecutable } from "./executable.ts";
import { signAdHoc, writeUnsignedCopy } from "./macos-sign.ts";
import { writeArchive, fileSize } from "./archive.ts";
import { NODE_VERSION, TARGETS, hostTarget, installedName, type Target, type TargetId } from "./targets.ts";

export interface BuildOptions {
  root: string;
  outDir: string;
  targets: readonly Target[];
  cacheDir?: string;
  /** The agent's CLI, relative to root. */
  entry?: string;
  /** Skip .tar.gz/.zip and the gzip measurement (tests that only need the binary). */
  archives?: boolean;
  log?: (line: string) => void;
}

export interface TargetResult {
  target: TargetId;
  ok: boolean;
  file?: string;
  bytes?: number;
  archive?: string;
  archiveBytes?: number;
  /** gzip -9 of the binary (the .tar.gz itself where there is one): the download size. */
  gzipBytes?: number;
  sha256?: string;
  signedWith?: string | null;
  warning?: string;
  error?: string;
  seconds: number;
}

export interface BuildResult {
  nodeVersion: string;
  bundle: Pick<Bundle, "bytes" | "marker">;
  results: TargetResult[];
  seconds: number;
}

/** Facet's own addition to a base binary may not exceed this (bundle + SEA header + slack). */
export const ADDED_BYTES_BUDGET = 8 * 1024 * 1024;

export async function buildPackages(opts: BuildOptions): Promise<BuildResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = performance.now();
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const workDir = path.join(opts.outDir, ".build");
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const version = (JSON.parse(readFileSync(path.join(opts.root, "package.json"), "utf8")) as { version: string }).version;

  log(`facet-agent ${version} on Node.js ${NODE_VERSION} for ${opts.targets.map((t) => t.id).join(", ")}`);
  let t0 = performance.now();
  const bundle = await bundleAgent({ root: opts.root, entry: opts.entry ?? "agent/cli/main.ts", outDir: workDir, version });
  log(`bundle   ${mb(bundle.bytes)} from ${bundle.inputs.length} modules in ${secs(t0)}`);

  // pkg must run on this machine's own base: it needs Node ≥ 22 and writes the blob with it.
  const host = hostTarget();
  if (!host) throw new Error(`no Node.js base for the build host (${process.platform}-${process.arch}); build on linux, macOS or Windows x64/arm64`);
  const bases = new Map<TargetId, NodeBase | Error>();
  const needed = [host, ...opts.targets.filter((t) => t.id !== host.id)];
  for (const [i, t] of needed.entries()) {
    t0 = performance.now();
    log(`base     [${i + 1}/${needed.length}] ${t.base.npmPackage}@${NODE_VERSION} …`);
    try {
      const base = await fetchNodeBase(t, cacheDir);
      bases.set(t.id, base);
      log(`base     [${i + 1}/${needed.length}] ${t.base.npmPackage}@${NODE_VERSION} ${base.fromCache ? "cached" : "fetched and verified"} (${mb(fileSize(base.binary))}) in ${secs(t0)}`);
    } catch (err) {
      bases.set(t.id, err as Error);
      log(`base     [${i + 1}/${needed.length}] FAILED ${(err as Error).message}`);
    }
  }
  const hostBase = bases.get(host.id);
  if (!hostBase || hostBase instanceof Error) {
    throw new Error(`cannot run pkg without this host's Node.js ${NODE_VERSION} base: ${hostBase instanceof Error ? hostBase.message : "missing"}`);
  }
  const pkgHome = seedPkgCache(cacheDir, bases);

  const results: TargetResult[] = [];
  for (const [i, t] of opts.targets.entries()) {
    const tStart = performance.now();
    const step = `[${i + 1}/${opts.targets.length}] ${t.id}`;
    const base = bases.get(t.id);
    if (!base || base instanceof Error) {
      results.push({ target: t.id, ok: false, error: base instanceof Error ? base.message : "no base", seconds: 0 });
      continue;
    }
    try {
      const r = await buildTarget({ t, base, bundle, hostNode: hostBase.binary, pkgHome, workDir, outDir: opts.outDir, root: opts.root, archives: opts.archives ?? true, version, step, log });
      results.push({ ...r, seconds: (performance.now() - tStart) / 1000 });
    } catch (err) {
      log(`${step} FAILED ${(err as Error).message}`);
      results.push({ target: t.id, ok: false, error: (err as Error).message, seconds: (performance.now() - tStart) / 1000 });
    }
  }
  rmSync(workDir, { recursive: true, force: true });
  writeSums(opts.outDir, results);
  const result: BuildResult = { nodeVersion: NODE_VERSION, bundle: { bytes: bundle.bytes, marker: bundle.marker }, results, seconds: (performance.now() - started) / 1000 };
  writeFileSync(path.join(opts.outDir, "build-info.json"), JSON.stringify(result, null, 2) + "\n");
  return result;
}

interface TargetJob {
  t: Target; base: NodeBase; bundle: Bundle; hostNode: string; pkgHome: string; workDir: string; outDir: string;
  root: string; archives: boolean; version: string; step: string; log: (l: string) => void;
}

async function buildTarget(j: TargetJob): Promise<Omit<TargetResult, "seconds">> {
  const { t, log, step } = j;
  const staged = path.join(j.workDir, j.t.fileName);
  let t0 = performance.now();
  log(`${step} pkg --sea …`);
  await runPkg(j, staged);
  log(`${step} pkg --sea done in ${secs(t0)}`);

  let signedWith: string | null = null;
  let warning: string | undefined;
  if (t.platform === "macos") {
    signedWith = signAdHoc(staged);
    if (!signedWith && t.mustBeSigned) {
      warning = "unsigned: no codesign/rcodesign/ldid here; sign with `codesign --sign - facet-agent` on a Mac before distribution (docs/deploy.md)";
      log(`${step} WARNING ${warning}`);
    }
  }

  const buf = await readFile(staged);
  const problems = checkBinary(buf, t, j.bundle.marker, fileSize(j.base.binary), signedWith !== null);
  if (problems.length > 0) throw new Error(`built binary rejected: ${problems.join("; ")}`);
  if (t.nodePlatform === process.platform && t.arch === process.arch) {
    // The one binary this host can run: prove it starts and is the agent, not a bare node.
    const out = execFileSync(staged, ["--version"], { encoding: "utf8", timeout: 30_000, env: { ...process.env, FACET_LOG_LEVEL: "silent" } }).trim();
    if (!out.includes(j.version)) throw new Error(`built binary answered --version with "${out}", expected ${j.version}`);
    log(`${step} runs: --version → ${out}`);
  }
  const file = path.join(j.outDir, t.fileName);
  rmSync(file, { force: true });
  renameSync(staged, file);
  const sha256 = createHash("sha256").update(buf).digest("hex");
  t0 = performance.now();
  let archive: string | undefined;
  let archiveBytes: number | undefined;
  let gzipBytes: number | undefined;
  if (j.archives) {
    archive = path.join(j.outDir, `${t.fileName.replace(/\.exe$/, "")}.${t.archive}`);
    await writeArchive(t.archive, file, installedName(t), archive);
    archiveBytes = fileSize(archive);
    // A .tar.gz is the gzipped binary plus two 512-byte tar headers: measure once, not twice.
    gzipBytes = t.archive === "tar.gz" ? archiveBytes : await gzippedSize(file);
  }
  log(`${step} compressed in ${secs(t0)}`);
  return { target: t.id, ok: true, file, bytes: buf.length, archive, archiveBytes, gzipBytes, sha256, signedWith, warning };
}

/** Everything that can be checked without running the binary; empty when it is fine. */
export function checkBinary(buf: Buffer, t: Target, marker: string, baseBytes: number, expectSigned: boolean, budget = ADDED_BYTES_BUDGET): string[] {
  const info = inspectExecutable(buf);
  const problems: string[] = [];
  if (info.format !== t.format) problems.push(`format ${info.format}, expected ${t.format}`);
  if (info.arch !== t.arch) problems.push(`architecture ${info.arch}, expected ${t.arch}`);
  if (info.seaFuseFlipped !== true) problems.push(`SEA fuse ${info.seaFuseFlipped === null ? "missing" : "not flipped"}: Node would ignore the app`);
  if (!containsMarker(buf, marker)) problems.push("the app bundle is not inside the binary");
  if (t.format === "macho") {
    if (!info.machoSeaSegment) problems.push("no NODE_SEA segment");
    if (info.machoSigned !== expectSigned) problems.push(expectSigned ? "signature missing after signing" : "carries a stale code signature");
  }
  const added = buf.length - baseBytes;
  if (added > budget) problems.push(`adds ${mb(added)} to the base, budget ${mb(budget)}`);
  return problems;
}

function runPkg(j: TargetJob, output: string): Promise<void> {
  const pkgBin = path.join(j.root, "node_modules", "@yao-pkg", "pkg", "lib-es5", "bin.js");
  const args = [pkgBin, j.bundle.file, "--sea", "--no-signature", "--targets", `node${NODE_VERSION}-${j.t.platform}-${j.t.arch}`, "--output", output];
  return new Promise((resolve, reject) => {
    // HOME points pkg at the seeded cache (it reads ~/.pkg-cache/sea); argv, never a shell string.
    const child = spawn(j.hostNode, args, { cwd: j.workDir, env: { ...process.env, HOME: j.pkgHome, USERPROFILE: j.pkgHome }, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const onData = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
      for (const line of d.toString().split("\n")) if (line.trim()) j.log(`${j.step}   ${line.trim()}`);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && existsSync(output)) resolve();
      else reject(new Error(`pkg exited with ${signal ?? code}: ${tail.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

/**
 * Lays our verified bases out where pkg's SEA mode looks for already downloaded, verified ones
 * (`~/.pkg-cache/sea/node-v<version>-<os>-<arch>.{tar.gz,zip}` plus `.ok` sentinels, and the
 * extracted binary beside it), so pkg never reaches for nodejs.org. macOS bases are unsigned
 * first (see macos-sign.ts).
 */
function seedPkgCache(cacheDir: string, bases: Map<TargetId, NodeBase | Error>): string {
  const home = path.join(cacheDir, NODE_VERSION, "pkg-home");
  const sea = path.join(home, ".pkg-cache", "sea");
  for (const [id, base] of bases) {
    if (base instanceof Error) continue;
    const t = TARGETS.find((x) => x.id === id)!;
    const os = t.platform === "macos" ? "darwin" : t.platform;
    const stem = `node-v${NODE_VERSION}-${os}-${t.arch}`;
    const archive = path.join(sea, `${stem}.${t.platform === "win" ? "zip" : "tar.gz"}`);
    const binary = t.platform === "win" ? path.join(sea, `${stem}.exe`) : path.join(sea, stem, "bin", "node");
    // existsSync follows links: a moved cache (dangling link) is laid out again.
    if (existsSync(`${binary}.ok`) && existsSync(binary) && existsSync(`${archive}.ok`) && existsSync(archive)) continue;
    mkdirSync(path.dirname(binary), { recursive: true });
    rmSync(archive, { force: true });
    rmSync(binary, { force: true });
    // pkg only checks that the archive exists once its sentinel is there; point it at the npm tarball.
    symlinkSync(base.tarball, archive);
    if (t.platform === "macos") writeUnsignedCopy(base.binary, binary);
    else symlinkSync(base.binary, binary);
    writeFileSync(`${archive}.ok`, "");
    writeFileSync(`${binary}.ok`, "");
  }
  return home;
}

function writeSums(outDir: string, results: TargetResult[]): void {
  const lines: string[] = [];
  for (const r of results) {
    if (!r.ok || !r.file || !r.sha256) continue;
    lines.push(`${r.sha256}  ${path.basename(r.file)}`);
    if (r.archive) lines.push(`${sha256File(r.archive)}  ${path.basename(r.archive)}`);
  }
  writeFileSync(path.join(outDir, "SHA256SUMS"), lines.join("\n") + (lines.length ? "\n" : ""));
}

function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

async function gzippedSize(file: string): Promise<number> {
  let n = 0;
  await pipeline(createReadStream(file), createGzip({ level: 9 }), new Writable({ write(chunk: Buffer, _e, cb) { n += chunk.length; cb(); } }));
  return n;
}

export function formatTable(r: BuildResult): string {
  const rows = [["target", "file", "size", "gzipped", "archive", "sha256"]];
  for (const x of r.results) {
    if (x.ok) rows.push([x.target, path.basename(x.file!), mb(x.bytes!), x.gzipBytes !== undefined ? mb(x.gzipBytes) : "-", x.archive ? `${path.basename(x.archive)} ${mb(x.archiveBytes!)}` : "-", x.sha256!]);
    else rows.push([x.target, "FAILED", "-", "-", "-", x.error ?? ""]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ")).join("\n");
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function secs(from: number): string {
  return `${((performance.now() - from) / 1000).toFixed(1)} s`;
}

