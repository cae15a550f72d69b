/**
 * `facet-connector serve` started for real (node + tsx, the same entry point as in production)
 * against each broken environment an admin meets: every failure is one line on stderr naming the
 * cause, and the exit code docs/deploy.md lists — no stack trace, nothing created by accident.
 * Also: a second connector on the same SQLite file is refused, naming the running one, and a
 * connector killed with SIGKILL leaves no lock behind.
 */
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openStore } from "../../connector/store/open.ts";

const root = new URL("../..", import.meta.url).pathname;
const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "facet-startup-"));
  dirs.push(dir);
  return dir;
}

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "connector/main.ts"), "serve", "--port", "0", "--log-level", "info", ...args], {
    cwd: root,
    env: { ...process.env, FACET_LOG_LEVEL: "info", FACET_DATABASE: "", FACET_DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

/** Runs serve to its exit (bounded): the exit code and stderr. */
async function serveFails(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = start(args);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdout!.resume();
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => (child.kill("SIGKILL"), resolve(-1)), 90_000);
    child.on("exit", (c) => (clearTimeout(timer), resolve(c)));
  });
  return { code, stderr };
}

/** Starts serve and waits for "connector listening"; returns the child and its URL. */
async function serveUp(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = start(args);
  child.stderr!.resume();
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening within 90 s: ${out}`)), 90_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /"url":"(http[^"]+)"[^\n]*connector listening/.exec(out);
      if (m) (clearTimeout(timer), resolve(m[1]!));
    });
    child.on("exit", (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
  return { child, url };
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0]!, /^facet-connector: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
}

describe("serve fails with one line and a documented exit code", () => {
  test("the port is in use: exit 10", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await serveFails(["--database", join(tempDir(), "facet.db"), "--port", String(port)]);
      assert.equal(code, 10, stderr);
      assertOneLine(stderr, new RegExp(`port ${port}.*in use`));
    } finally {
      blocker.close();
    }
  });

  test("the database directory does not exist: exit 12, and it is not created", async () => {
    const missing = join(tempDir(), "typo", "facet.db");
    const { code, stderr } = await serveFails(["--database", missing]);
    assert.equal(code, 12, stderr);
    assertOneLine(stderr, /directory .*typo.* does not exist/);
    assert.equal(existsSync(join(missing, "..")), false, "the directory was not created");
  });

  test("a file that is not a SQLite database: exit 12", async () => {
    const path = join(tempDir(), "notes.txt");
    writeFileSync(path, "my notes, not a database\n".repeat(20));
    const { code, stderr } = await serveFails(["--database", path]);
    assert.equal(code, 12, stderr);
    assertOneLine(stderr, /not a SQLite database/);
    assert.equal(readFileSync(path, "utf8"), "my notes, not a database\n".repeat(20));
  });

  test("a database migrated by a newer Facet (a downgrade): exit 12, one line, nothing changed", async () => {
    const path = join(tempDir(), "facet.db");
    await (await openStore(path)).close();
    const db = new Database(path);
    const known = db.pragma("user_version", { simple: true }) as number;
    db.pragma(`user_version = ${known + 1}`);
    db.close();
    const { code, stderr } = await serveFails(["--database", path]);
    assert.equal(code, 12, stderr);
    assertOneLine(stderr, new RegExp(`schema version ${known + 1} is newer than this connector knows \\(${known}\\); upgrade the connector`));
    const reopened = new Database(path, { readonly: true });
    assert.equal(reopened.pragma("user_version", { simple: true }), known + 1);
    reopened.close();
  });

  test("another application's SQLite database: exit 12, left untouched", async () => {
    const path = join(tempDir(), "other.db");
    const db = new Database(path);
    db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    db.close();
    const { code, stderr } = await serveFails(["--database", path]);
    assert.equal(code, 12, stderr);
    assertOneLine(stderr, /not a Facet database.*invoices/);
    const reopened = new Database(path, { readonly: true });
    const tables = reopened.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    reopened.close();
    assert.deepEqual(tables.map((t) => t.name), ["invoices"]);
  });

  test("a database on a read-only filesystem: exit 12", { skip: process.getuid?.() !== 0 ? "remounting read-only needs root" : false }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "facet-ro-"));
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=8M", "tmpfs", dir]);
    } catch (error) {
      rmdirSync(dir);
      return void test.skip?.(`mount failed: ${String(error)}`);
    }
    try {
      await (await openStore(join(dir, "facet.db"))).close(); // a real Facet database

      execFileSync("mount", ["-o", "remount,ro", dir]);
      const { code, stderr } = await serveFails(["--database", join(dir, "facet.db")]);
      assert.equal(code, 12, stderr);
      assertOneLine(stderr, /read-only/);
    } finally {
      execFileSync("umount", ["-l", dir]);
      rmdirSync(dir);
    }
  });

  test("a missing TLS certificate: exit 14", async () => {
    const dir = tempDir();
    const { code, stderr } = await serveFails(["--database", join(dir, "facet.db"), "--tls-cert", join(dir, "missing.pem"), "--tls-key", join(dir, "missing.key")]);
    assert.equal(code, 14, stderr);
    assertOneLine(stderr, /TLS certificate .*missing\.pem/);
  });

  test("PostgreSQL is not reachable: exit 13, and the password is not printed", async () => {
    const { code, stderr } = await serveFails(["--database", "postgres://facet:s3cret-pass@127.0.0.1:1/facet"]);
    assert.equal(code, 13, stderr);
    assertOneLine(stderr, /PostgreSQL at 127\.0\.0\.1:1/);
    assert.doesNotMatch(stderr, /s3cret-pass/);
  });
});

describe("one connector per SQLite file", () => {
  test("a second serve on the same file is refused with one line naming the running one (exit 11)", async () => {
    const dir = tempDir();
    const db = join(dir, "facet.db");
    const first = await serveUp(["--database", db]);
    try {
      const urlBefore = readFileSync(join(dir, "connector.url"), "utf8");
      const { code, stderr } = await serveFails(["--database", db]);
      assert.equal(code, 11, stderr);
      assertOneLine(stderr, new RegExp(`already serves .*facet\\.db.*pid ${first.child.pid}.*${first.url.replace(/[.]/g, "\\.")}`));
      assert.equal(readFileSync(join(dir, "connector.url"), "utf8"), urlBefore, "connector.url is not rewritten");
      assert.equal((await fetch(`${first.url}/healthz`)).status, 200, "the first one still serves");
    } finally {
      first.child.kill("SIGTERM");
      await new Promise((r) => first.child.once("exit", r));
    }
  });

  test("after kill -9 the next serve starts: no stale lock", async () => {
    const dir = tempDir();
    const db = join(dir, "facet.db");
    const first = await serveUp(["--database", db]);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    const second = await serveUp(["--database", db]);
    assert.equal((await fetch(`${second.url}/healthz`)).status, 200);
    second.child.kill("SIGTERM");
    await new Promise((r) => second.child.once("exit", r));
  });
});
