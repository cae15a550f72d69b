import { test } from "node:test";
import assert from "node:assert/strict";
import { runProgram, Limiter } from "./run.ts";
import { ShellSession, shDialect, framePowerShell } from "./session.ts";

test("captures stdout and stderr of a real child process", async () => {
  const r = await runProgram(["sh", "-c", "echo out; echo err >&2"]);
  assert.equal(r.ok, true);
  if (r.ok) {
    assert.equal(r.stdout, "out\n");
    assert.equal(r.stderr, "err\n");
  }
});

test("passes arguments without shell interpolation", async () => {
  const r = await runProgram(["printf", "%s", "$(id) ; rm -rf /"]);
  assert.equal(r.ok && r.stdout, "$(id) ; rm -rf /");
});

test("reports a missing command as 'command not found'", async () => {
  const r = await runProgram(["facet-no-such-tool-xyz", "--status"]);
  assert.deepEqual(r, { ok: false, reason: "facet-no-such-tool-xyz: command not found" });
});

test("kills a command that outlives its timeout and says so", async () => {
  const started = Date.now();
  const r = await runProgram(["sleep", "10"], { timeoutMs: 150 });
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.reason, "sleep: timed out after 150 ms");
  assert.ok(Date.now() - started < 3000);
});

test("keeps output and exit code of a failing command", async () => {
  const r = await runProgram(["sh", "-c", "echo 'assessments disabled'; exit 1"]);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "assessments disabled\n");
    assert.match(r.reason, /^sh: exit 1: assessments disabled$/);
  }
});

test("stops reading past maxBytes", async () => {
  const r = await runProgram(["sh", "-c", "yes facet | head -c 100000"], { maxBytes: 1000 });
  assert.deepEqual(r, { ok: false, reason: "sh: output exceeded 1000 bytes" });
});

test("limits how many commands run at once", async () => {
  const limiter = new Limiter(2);
  let active = 0;
  let peak = 0;
  await Promise.all(Array.from({ length: 6 }, () => limiter.use(async () => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 20));
    active--;
  })));
  assert.equal(peak, 2);
});

test("a session runs many scripts in one long-lived process", async () => {
  const session = new ShellSession(shDialect);
  try {
    const a = await session.run("echo $$");
    const b = await session.run("echo $$; printf 'no newline'");
    assert.equal(a.ok && b.ok, true);
    if (a.ok && b.ok) {
      assert.equal(a.stdout.trim(), b.stdout.split("\n")[0]!.trim(), "same PID: same process");
      assert.match(b.stdout, /no newline$/);
    }
    const failed = await session.run("exit_code_3() { return 3; }; exit_code_3");
    assert.equal(failed.ok, false);
  } finally {
    session.close();
  }
});

test("a session that times out is restarted for the next script", async () => {
  const session = new ShellSession(shDialect);
  try {
    const slow = await session.run("sleep 5", 150);
    assert.deepEqual(slow, { ok: false, reason: "sh: timed out after 150 ms" });
    const next = await session.run("echo alive");
    assert.equal(next.ok && next.stdout.trim(), "alive");
  } finally {
    session.close();
  }
});

test("a session whose interpreter is missing reports it", async () => {
  const session = new ShellSession({ ...shDialect, argv: ["facet-no-such-shell"] });
  const r = await session.run("echo hi");
  assert.deepEqual(r, { ok: false, reason: "facet-no-such-shell: command not found" });
});

test("PowerShell framing carries the script base64-encoded on one line", () => {
  const line = framePowerShell("Get-Item 'x'; \"$env:USERNAME\"\nsecond line", "__M__");
  assert.equal(line.includes("\n"), false);
  const b64 = /FromBase64String\('([^']+)'\)/.exec(line)![1]!;
  assert.equal(Buffer.from(b64, "base64").toString("utf8"), "Get-Item 'x'; \"$env:USERNAME\"\nsecond line");
  assert.match(line, /Out-String -Width 4096/);
  assert.match(line, /'__M__ ' \+ \$__c/);
});
