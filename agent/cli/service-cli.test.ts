/**
 * The CLI side of running as a service: the arguments each service definition passes are ones
 * `run` accepts, install/uninstall refuse early without root, status names where the logs are.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { EXIT_DEVICE_REJECTED } from "../errors.ts";
import { EXIT_NOT_ADMIN } from "../service/admin.ts";
import { launchdPlist } from "../service/launchd.ts";
import { serviceLayout } from "../service/layout.ts";
import { serviceLogLocation } from "../service/plan.ts";
import { systemdUnit } from "../service/systemd.ts";
import { windowsTaskArguments } from "../service/windows.ts";
import { runCommand } from "./commands/run.ts";
import { formatStatus } from "./commands/status.ts";
import { runFromSource, type SourceRun } from "../../test/support/from-source.ts";

/** The options `run` ends up with for these arguments, parsed by the real command without running it. */
function runOptions(args: string[]): Record<string, unknown> {
  const cmd = runCommand().exitOverride().configureOutput({ writeErr: () => {} });
  let opts: Record<string, unknown> = {};
  cmd.action((flags: Record<string, unknown>) => {
    opts = flags;
  });
  cmd.parse(args, { from: "user" });
  return opts;
}

test("run accepts the arguments the systemd unit, the launchd plist and the Windows task pass", () => {
  const unitArgs = /^ExecStart=\S+ run (.*)$/m.exec(systemdUnit(serviceLayout("linux")))![1]!.split(" ");
  // The log level and the browser-certificate opt-out come from the test runner's environment.
  const { logLevel: _fromEnv, browserCertificate: _optOut, ...unitOpts } = runOptions(unitArgs);
  assert.deepEqual(unitOpts, { stateDir: "/var/lib/facet-agent", logMaxBytes: 10 * 1024 * 1024, rejectedExitCode: EXIT_DEVICE_REJECTED });

  const plistArgs = [...launchdPlist(serviceLayout("darwin")).matchAll(/^ {4}<string>(.*)<\/string>$/gm)].map((m) => m[1]!).slice(2);
  assert.equal(runOptions(plistArgs).rejectedExitCode, 0, "launchd restarts any non-zero exit");

  const win = serviceLayout("win32", { ProgramData: "C:\\ProgramData" });
  const taskOpts = runOptions(windowsTaskArguments(win).slice(1));
  assert.equal(taskOpts.logFile, "C:\\ProgramData\\Facet\\logs\\facet-agent.log");
  assert.equal(taskOpts.disableTaskWhenRejected, "\\Facet\\FacetAgent");
  assert.equal(taskOpts.rejectedExitCode, EXIT_DEVICE_REJECTED);
});

test("run refuses an exit status or log size it cannot use", () => {
  assert.throws(() => runOptions(["--rejected-exit-code", "256"]), /exit status, 0–255/);
  assert.throws(() => runOptions(["--log-max-bytes", "10"]), /at least 1024/);
});

function cliAs(uid: number | undefined, args: string[]): Promise<SourceRun> {
  // As root, drop to nobody with setpriv (util-linux) to see what an unprivileged admin sees.
  const wrapper = uid === undefined ? [] : ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups"];
  return runFromSource("facet-agent", args, { wrapper, env: { PATH: process.env.PATH, HOME: os.tmpdir(), FACET_LOG_LEVEL: "silent" }, timeoutMs: 60_000 });
}

const posix = process.platform !== "win32";
const isRoot = posix && process.geteuid!() === 0;
const canDrop = isRoot && existsSync("/usr/bin/setpriv");
const unprivileged = isRoot ? 65534 : undefined;
// A checkout in a folder only root may enter (`mktemp -d` makes one) cannot be run by nobody at all.
const sourcesReadable = !canDrop || spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "test", "-r", path.resolve(import.meta.dirname, "service-cli.test.ts")]).status === 0;

test("install and uninstall without root stop before touching anything, with exit 77 and how to fix it", { timeout: 180_000, skip: !posix || (isRoot && !canDrop) ? true : !sourcesReadable && "the checkout is not readable by nobody (uid 65534)" }, async () => {
  const stateDir = path.join(mkdtempSync(path.join(os.tmpdir(), "facet-noroot-")), "state");
  const install = await cliAs(unprivileged, ["install", "--url", "http://127.0.0.1:1", "--token", "fct_enroll_x", "--binary", "/bin/true", "--state-dir", stateDir]);
  assert.equal(install.code, EXIT_NOT_ADMIN);
  assert.equal(install.stderr, "facet-agent: install needs root: run it with sudo (or use --dry-run to see what it would do)\n");
  assert.equal(existsSync(stateDir), false, "refused before the state dir was made");
  const uninstall = await cliAs(unprivileged, ["uninstall", "--purge"]);
  assert.equal(uninstall.code, EXIT_NOT_ADMIN);
  assert.match(uninstall.stderr, /^facet-agent: uninstall needs root: run it with sudo/);
  // The dry run needs no privilege: it changes nothing.
  const dry = await cliAs(unprivileged, ["install", "--url", "http://127.0.0.1:1", "--binary", "/bin/true", "--state-dir", stateDir, "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^# facet-agent install --dry-run: nothing has been changed$/m);
});

test("status says where the installed service's logs are on each OS", async () => {
  assert.equal(serviceLogLocation(serviceLayout("linux")), "journalctl -u facet-agent.service");
  assert.equal(serviceLogLocation(serviceLayout("darwin")), "/Library/Logs/Facet/facet-agent.log");
  const win = serviceLogLocation(serviceLayout("win32", { ProgramData: "C:\\ProgramData" }));
  assert.equal(win, "C:\\ProgramData\\Facet\\logs\\facet-agent.log (older: C:\\ProgramData\\Facet\\logs\\facet-agent.log.1 … .5)");
  const text = formatStatus({ stateDir: "C:\\ProgramData\\Facet", enrolled: false, keyFile: { path: "k", present: false, permissionsOk: false } }, ["schtasks.exe", "/Query"], win);
  assert.match(text, /^logs\s+C:\\ProgramData\\Facet\\logs\\facet-agent\.log \(older/m);

  if (process.platform === "linux") {
    const { stdout } = await cliAs(undefined, ["status", "--state-dir", mkdtempSync(path.join(os.tmpdir(), "facet-status-"))]);
    assert.match(stdout, /^logs\s+journalctl -u facet-agent\.service$/m);
    const json = JSON.parse((await cliAs(undefined, ["status", "--json", "--state-dir", os.tmpdir()])).stdout) as { service?: { logs: string } };
    assert.equal(json.service?.logs, "journalctl -u facet-agent.service");
  }
});
