import { test } from "node:test";
import assert from "node:assert/strict";
import { adminProblem, isWindowsAdmin, WINDOWS_ADMIN_CHECK, WINDOWS_ADMIN_FALLBACK, type Probe, type ProbeResult } from "./admin.ts";

/** A probe that answers from a table and records what was asked. */
function fakeProbe(answers: Record<string, ProbeResult>) {
  const asked: string[] = [];
  const probe: Probe = (argv) => {
    asked.push(argv[0]!);
    return answers[argv[0]!] ?? { status: null, stdout: "" };
  };
  return { probe, asked };
}

test("Linux and macOS: root may install, anyone else is told to use sudo", () => {
  for (const platform of ["linux", "darwin"] as const) {
    assert.equal(adminProblem({ platform, geteuid: () => 0 }, "install"), undefined);
    assert.match(adminProblem({ platform, geteuid: () => 1000 }, "install")!, /^install needs root: run it with sudo \(or use --dry-run/);
  }
});

test("Windows: an elevated Administrator (IsInRole True) may install, and net session is not asked", () => {
  const { probe, asked } = fakeProbe({ "powershell.exe": { status: 0, stdout: "True\r\n" } });
  assert.equal(adminProblem({ platform: "win32", probe }, "install"), undefined);
  assert.deepEqual(asked, ["powershell.exe"]);
});

test("Windows: an unelevated prompt (IsInRole False) is refused with how to elevate, whatever net session would say", () => {
  const { probe, asked } = fakeProbe({ "powershell.exe": { status: 0, stdout: "False\r\n" }, "net.exe": { status: 0, stdout: "" } });
  assert.match(adminProblem({ platform: "win32", probe }, "uninstall")!, /^uninstall needs an elevated Administrator prompt: .*"Run as administrator"/);
  assert.deepEqual(asked, ["powershell.exe"]);
});

test("Windows without a usable PowerShell falls back to net session's exit status", () => {
  // Not installed / blocked (spawn fails), or an answer that is neither True nor False.
  for (const ps of [{ status: null, stdout: "" }, { status: 1, stdout: "" }, { status: 0, stdout: "Access denied" }]) {
    assert.equal(isWindowsAdmin(fakeProbe({ "powershell.exe": ps, "net.exe": { status: 0, stdout: "" } }).probe), true);
    assert.equal(isWindowsAdmin(fakeProbe({ "powershell.exe": ps, "net.exe": { status: 2, stdout: "" } }).probe), false);
    assert.equal(isWindowsAdmin(fakeProbe({ "powershell.exe": ps }).probe), false, "neither can run: refuse rather than fail half-way");
  }
});

test("the Windows checks are argument vectors that ask the token, not localized text", () => {
  assert.equal(WINDOWS_ADMIN_CHECK[0], "powershell.exe");
  assert.ok(WINDOWS_ADMIN_CHECK.includes("-NonInteractive"));
  assert.match(WINDOWS_ADMIN_CHECK.at(-1)!, /WindowsPrincipal.*GetCurrent\(\).*IsInRole\(\[Security\.Principal\.WindowsBuiltInRole\]::Administrator\)/);
  assert.deepEqual(WINDOWS_ADMIN_FALLBACK, ["net.exe", "session"]);
});
