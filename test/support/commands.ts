/**
 * The three commands as a user gets them: built JavaScript (scripts/build/commands.ts) behind
 * bin/ wrappers, found through PATH. Each test file builds its own copy under
 * dist/test-builds/ (inside the checkout, so the bundles find node_modules), so concurrent test
 * files never share half-written files, and a test never runs stale sources.
 */
import { spawn, type SpawnOptions } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { buildCommands } from "../../scripts/build/commands.ts";

const root = path.resolve(new URL("../..", import.meta.url).pathname);

export interface Commands {
  binDir: string;
  /** PATH with binDir first. */
  path: string;
  remove(): void;
}

export async function buildCommandsForTest(): Promise<Commands> {
  const parent = path.join(root, "dist", "test-builds");
  mkdirSync(parent, { recursive: true });
  const outDir = mkdtempSync(path.join(parent, "build-"));
  const built = await buildCommands({ root, outDir, withBin: true });
  return { binDir: built.binDir, path: `${built.binDir}${path.delimiter}${process.env.PATH ?? ""}`, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command by name (resolved through env.PATH, as a shell would), with optional stdin. */
export function runByName(name: string, args: string[], opts: { env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { env: opts.env, cwd: opts.cwd ?? root, stdio: ["pipe", "pipe", "pipe"] };
    const child = spawn(name, args, spawnOpts);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.end(opts.input ?? "");
  });
}
