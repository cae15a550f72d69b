/**
 * Fetches a target's Node.js base binary from the npm registry, once, into a cache that survives
 * between builds (and CI runs on the same machine). `npm pack` downloads through npm's own cache
 * and checks the registry's integrity; the tarball is then checked again against the integrity
 * pinned in targets.ts, so a changed upstream artifact fails the build instead of shipping.
 *
 * Layout: <cache>/<version>/<target>/node[.exe] (cache: ~/.cache/facet-node by default), with `node.ok` written only after a verified,
 * complete extraction (an interrupted build never leaves a truncated base that later looks valid),
 * and the directory moved into place only then.
 */
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as tar from "tar";
import { NODE_VERSION, type Target } from "./targets.ts";

const execFileAsync = promisify(execFile);

export class BaseUnavailableError extends Error {
  constructor(readonly target: Target, reason: string) {
    super(`${target.id}: no Node.js ${NODE_VERSION} base (${target.base.npmPackage}@${NODE_VERSION}): ${reason}`);
  }
}

export interface NodeBase {
  /** The extracted Node.js executable. */
  binary: string;
  /** The npm tarball it came from. */
  tarball: string;
  fromCache: boolean;
}

/**
 * Outside node_modules on purpose: `npm ci` deletes node_modules, and CI would fetch ~500 MB of
 * bases on every run. FACET_NODE_CACHE moves it.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACET_NODE_CACHE) return env.FACET_NODE_CACHE;
  const base = process.platform === "win32"
    ? (env.LOCALAPPDATA ?? path.join(os.homedir(), "AppData", "Local"))
    : (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), ".cache"));
  return path.join(base, "facet-node");
}

export async function sha512Integrity(file: string): Promise<string> {
  const hash = createHash("sha512");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest("base64")}`;
}

export async function fetchNodeBase(target: Target, cacheDir: string): Promise<NodeBase> {
  const dir = path.join(cacheDir, NODE_VERSION, target.id);
  const binaryName = path.basename(target.base.binaryInPackage);
  const tarballName = `${target.base.npmPackage}-${NODE_VERSION}.tgz`;
  const paths = (root: string) => ({ binary: path.join(root, binaryName), tarball: path.join(root, tarballName), done: path.join(root, `${binaryName}.ok`) });
  const complete = (root: string) => Object.values(paths(root)).every((p) => existsSync(p));
  const { binary, tarball } = paths(dir);
  if (complete(dir)) return { binary, tarball, fromCache: true };

  // Fetched into a directory of its own and moved into place whole: two builds at once (the test
  // files that package the agent and the connector run in parallel) must not delete or read each
  // other's half-written download.
  mkdirSync(path.dirname(dir), { recursive: true });
  const work = mkdtempSync(`${dir}.partial-`);
  try {
    await fetchInto(target, work, tarballName);
    const fetched = paths(work);
    const integrity = await sha512Integrity(fetched.tarball);
    if (integrity !== target.base.integrity) throw new BaseUnavailableError(target, `integrity mismatch: got ${integrity}, pinned ${target.base.integrity}`);
    await tar.x({ file: fetched.tarball, cwd: work, strip: 2, filter: (p) => p === target.base.binaryInPackage });
    if (!existsSync(fetched.binary)) throw new BaseUnavailableError(target, `${target.base.binaryInPackage} is missing from ${tarballName}`);
    chmodSync(fetched.binary, 0o755);
    writeFileSync(fetched.done, `${integrity}\n`);
    // Another build may have put a complete one in place meanwhile: then that one is used.
    if (!complete(dir)) {
      rmSync(dir, { recursive: true, force: true });
      try {
        renameSync(work, dir);
      } catch (err) {
        if (!complete(dir)) throw err;
      }
    }
    return { binary, tarball, fromCache: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function fetchInto(target: Target, dir: string, tarballName: string): Promise<void> {
  const spec = `${target.base.npmPackage}@${NODE_VERSION}`;
  try {
    // argv, not a shell string; --json keeps npm's notices out of what we parse.
    await execFileAsync(process.platform === "win32" ? "npm.cmd" : "npm", ["pack", spec, "--pack-destination", dir, "--json", "--loglevel=error"], {
      maxBuffer: 64 * 1024 * 1024,
      shell: process.platform === "win32",
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const why = (e.stderr ?? e.message).split("\n").find((l) => /error|E404|ENOTFOUND|ETIMEDOUT/i.test(l)) ?? e.message;
    throw new BaseUnavailableError(target, `npm pack failed: ${why.trim()}`);
  }
  if (!existsSync(path.join(dir, tarballName))) {
    throw new BaseUnavailableError(target, `npm pack wrote ${readdirSync(dir).join(", ") || "nothing"}, expected ${tarballName}`);
  }
}
