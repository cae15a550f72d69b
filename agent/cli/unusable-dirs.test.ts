/**
 * The real `facet-agent` given a state or log directory it cannot use: one line on stderr naming
 * the path and the real cause, a non-zero exit, no stack trace, and an answer in bounded time
 * (Node's recursive mkdir loops forever under /proc). All paths here are synthetic temp paths.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFromSource } from "../../test/support/from-source.ts";

const linux = process.platform === "linux";
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

interface Outcome {
  code: number;
  stderr: string;
  ms: number;
}

async function cli(args: string[]): Promise<Outcome> {
  const started = Date.now();
  const { code, stderr } = await runFromSource("facet-agent", args, { timeoutMs: 40_000, killSignal: "SIGKILL" });
  return { code, stderr, ms: Date.now() - started };
}

const enrollInto = (stateDir: string) => cli(["enroll", "--url", "http://127.0.0.1:1", "--token", "fce_synthetic-token-value", "--state-dir", stateDir]);
const runLoggingTo = (logFile: string, stateDir: string) => cli(["run", "--log-file", logFile, "--state-dir", stateDir]);

/** Exactly one line, the expected words, no stack, a non-zero exit, well inside the process timeout. */
function assertOneLine(out: Outcome, expected: RegExp): void {
  assert.ok(out.ms < 30_000, `answered in ${out.ms} ms (a hang is killed at 40 s)`);
  assert.notEqual(out.code, 0, "non-zero exit");
  assert.equal(out.stderr.split("\n").filter(Boolean).length, 1, `one line on stderr, got:\n${out.stderr}`);
  assert.match(out.stderr, /^facet-agent: /);
  assert.doesNotMatch(out.stderr, /unexpected error|\n\s+at /, "no stack trace");
  assert.match(out.stderr, expected);
}

function withTemp(fn: (dir: string, t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "facet-unusable-"));
    try {
      await fn(dir, t);
    } finally {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * A read-only directory: a read-only bind mount where this process may mount (root in a
 * privileged sandbox), else a mode-0555 directory, which refuses anyone but root.
 */
function readOnlyDir(parent: string): { dir: string; cause: RegExp; release: () => void } | undefined {
  const dir = join(parent, "ro");
  mkdirSync(dir);
  if (!isRoot) {
    chmodSync(dir, 0o555);
    return { dir, cause: /permission denied/, release: () => chmodSync(dir, 0o700) };
  }
  if (!linux) return undefined;
  try {
    execFileSync("mount", ["--bind", "-o", "ro", dir, dir], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  return { dir, cause: /read-only file system/, release: () => execFileSync("umount", [dir], { stdio: "ignore" }) };
}

test("a state directory on a read-only filesystem is named with the real cause, not ENOENT", withTemp(async (tmp, t) => {
  const ro = readOnlyDir(tmp);
  if (ro === undefined) return t.skip("cannot make a read-only directory here");
  try {
    const direct = await enrollInto(join(ro.dir, "state"));
    assertOneLine(direct, new RegExp(`${join(ro.dir, "state")} as the state directory: cannot create it: ${ro.cause.source}`));
    // mkdir -p: the first component that cannot be created is the one named.
    const nested = await enrollInto(join(ro.dir, "a", "b", "state"));
    assertOneLine(nested, new RegExp(`cannot create ${join(ro.dir, "a")}: ${ro.cause.source}`));
    assert.doesNotMatch(nested.stderr, /no such file/);
  } finally {
    ro.release();
  }
}));

test("a state directory below a regular file says which component is not a directory", withTemp(async (tmp) => {
  const file = join(tmp, "plain-file");
  writeFileSync(file, "synthetic\n");
  assertOneLine(await enrollInto(join(file, "state")), new RegExp(`${file}/state as the state directory: ${file} is not a directory`));
  assertOneLine(await enrollInto(file), new RegExp(`${file} as the state directory: it exists and is not a directory`));
}));

test("a state directory under /proc is refused in bounded time", { skip: !linux }, async () => {
  const out = await enrollInto("/proc/self/facet-state");
  assertOneLine(out, /\/proc\/self\/facet-state as the state directory: \/proc\/self is on proc, a kernel pseudo-filesystem/);
});

test("a log file under /proc is refused in bounded time, before anything else", { skip: !linux }, withTemp(async (tmp) => {
  const out = await runLoggingTo("/proc/self/facet-logs/agent.log", tmp);
  assertOneLine(out, /\/proc\/self\/facet-logs as the log directory: \/proc\/self is on proc/);
}));

test("a log directory that cannot be created, or a log file that cannot be opened, is one line", withTemp(async (tmp) => {
  const file = join(tmp, "plain-file");
  writeFileSync(file, "synthetic\n");
  assertOneLine(await runLoggingTo(join(file, "logs", "agent.log"), tmp), new RegExp(`${file}/logs as the log directory: ${file} is not a directory`));
  mkdirSync(join(tmp, "agent.log"));
  assertOneLine(await runLoggingTo(join(tmp, "agent.log"), tmp), new RegExp(`cannot open the log file ${join(tmp, "agent.log")}: is a directory`));
}));

test("a log file on a read-only filesystem names the real cause", withTemp(async (tmp, t) => {
  const ro = readOnlyDir(tmp);
  if (ro === undefined) return t.skip("cannot make a read-only directory here");
  try {
    assertOneLine(await runLoggingTo(join(ro.dir, "agent.log"), tmp), new RegExp(`cannot open the log file ${join(ro.dir, "agent.log")}: ${ro.cause.source}`));
    assertOneLine(await runLoggingTo(join(ro.dir, "logs", "agent.log"), tmp), new RegExp(`${join(ro.dir, "logs")} as the log directory: cannot create it: ${ro.cause.source}`));
  } finally {
    ro.release();
  }
}));
