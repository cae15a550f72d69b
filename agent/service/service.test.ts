import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { serviceLayout } from "./layout.ts";
import { systemdUnit, systemdQuote } from "./systemd.ts";
import { launchdPlist } from "./launchd.ts";
import { spawnSync } from "node:child_process";
import { EXIT_DEVICE_REJECTED } from "../errors.ts";
import { describePlan, executePlan, installPlan, uninstallPlan, type Step } from "./plan.ts";

const linux = serviceLayout("linux");
const mac = serviceLayout("darwin");

test("the systemd unit runs the installed binary with the system state dir, hardened", () => {
  const unit = systemdUnit(linux);
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/facet-agent run --state-dir \/var\/lib\/facet-agent$/m);
  for (const line of ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=read-only", "PrivateTmp=yes", "UMask=0077", "Restart=on-failure", "RestartPreventExitStatus=78", "WantedBy=multi-user.target"]) {
    assert.ok(unit.split("\n").includes(line), `missing ${line}`);
  }
  // ProtectSystem=strict makes / read-only: the state dir and the config dir (token removal) must be writable.
  assert.match(unit, /^ReadWritePaths=\/var\/lib\/facet-agent \/etc\/facet-agent$/m);
  // V8's JIT dies under MemoryDenyWriteExecute; disk facts vanish under PrivateDevices.
  assert.doesNotMatch(unit, /^MemoryDenyWriteExecute=/m);
  assert.doesNotMatch(unit, /^PrivateDevices=/m);
});

test("systemd restarts a crashed agent but not one whose device was rejected (exit 78)", () => {
  const lines = systemdUnit(linux).split("\n");
  // on-failure: non-zero exit, a signal (SIGSEGV, SIGKILL by the OOM killer), a watchdog timeout.
  assert.ok(lines.includes("Restart=on-failure"));
  assert.ok(lines.includes(`RestartPreventExitStatus=${EXIT_DEVICE_REJECTED}`));
  assert.ok(!lines.some((l) => l.startsWith("SuccessExitStatus=")), "78 must stay a failure, visible in systemctl status");
});

test("systemd itself accepts every line of the unit (systemd-analyze verify)", { skip: !hasSystemdAnalyze() }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "facet-unit-"));
  const file = path.join(dir, "facet-agent.service");
  // verify checks that ExecStart exists; everything else is the unit install writes.
  writeFileSync(file, systemdUnit({ ...linux, binaryPath: process.execPath }));
  const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8", timeout: 30_000 });
  // It reports unknown keys and unparsable values on stderr but still exits 0.
  const ours = r.stderr.split("\n").filter((l) => l.includes(file));
  assert.deepEqual(ours, [], r.stderr);
});

function hasSystemdAnalyze(): boolean {
  return process.platform === "linux" && spawnSync("systemd-analyze", ["--version"]).status === 0;
}

test("systemd paths with spaces are quoted the way systemd parses them", () => {
  assert.equal(systemdQuote("/opt/facet agent/bin"), '"/opt/facet agent/bin"');
  assert.equal(systemdQuote("/usr/bin/x"), "/usr/bin/x");
});

test("the launchd plist is a daemon that runs at load and restarts only after a failure", () => {
  const plist = launchdPlist(mac);
  assert.equal(mac.definitionPath, "/Library/LaunchDaemons/dev.facet.agent.plist");
  assert.match(plist, /<key>Label<\/key>\s*<string>dev\.facet\.agent<\/string>/);
  assert.match(plist, /<array>\s*<string>\/usr\/local\/bin\/facet-agent<\/string>\s*<string>run<\/string>\s*<string>--state-dir<\/string>\s*<string>\/Library\/Application Support\/Facet<\/string>\s*<string>--rejected-exit-code<\/string>\s*<string>0<\/string>\s*<\/array>/);
  assert.match(plist, /<key>RunAtLoad<\/key>\s*<true\/>/);
  assert.match(plist, /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>\s*<\/dict>/);
  // launchd cannot filter exit codes: the rejected device exits 0 (the one exit it does not restart).
  assert.match(plist, /<string>--rejected-exit-code<\/string>\s*<string>0<\/string>/);
  assert.match(plist, /<key>Umask<\/key>\s*<integer>63<\/integer>/); // 0o077
});

test("the launchd plist escapes XML in paths", () => {
  const plist = launchdPlist({ ...mac, binaryPath: "/opt/a&b<c>/facet-agent" });
  assert.ok(plist.includes("<string>/opt/a&amp;b&lt;c&gt;/facet-agent</string>"));
});

test("install on Linux copies the binary, writes the unit, reloads systemd and enables the service, in that order", () => {
  const steps = installPlan({ layout: linux, sourceBinary: "/tmp/dl/facet-agent", enrollUrl: "https://facet.example" });
  assert.deepEqual(steps.map(kindOf), [
    "mkdir /var/lib/facet-agent", "mkdir /usr/local/bin", "copy /usr/local/bin/facet-agent", "enroll https://facet.example",
    "mkdir /etc/facet-agent", "write /etc/systemd/system/facet-agent.service", "run systemctl daemon-reload", "run systemctl enable --now facet-agent.service",
    "run systemctl is-active facet-agent.service",
  ]);
  assert.equal((steps[0] as { mode: number }).mode, 0o700);
});

test("install on macOS bootstraps the daemon into the system domain", () => {
  const steps = installPlan({ layout: mac, sourceBinary: "/Users/it/Downloads/facet-agent" });
  assert.ok(steps.some((s) => s.kind === "write" && s.path === "/Library/LaunchDaemons/dev.facet.agent.plist" && s.mode === 0o644));
  assert.ok(steps.some((s) => s.kind === "run" && s.argv.join(" ") === "launchctl bootstrap system /Library/LaunchDaemons/dev.facet.agent.plist"));
});

test("uninstall keeps keys and state unless --purge", () => {
  const keep = uninstallPlan({ layout: linux, purge: false, runningBinary: "/usr/local/bin/facet-agent" });
  assert.ok(!keep.some((s) => s.kind === "remove" && s.path === "/var/lib/facet-agent"));
  assert.deepEqual(keep.map(kindOf), [
    "run systemctl disable --now facet-agent.service", "remove /etc/systemd/system/facet-agent.service", "run systemctl daemon-reload", "remove /usr/local/bin/facet-agent",
  ]);
  const purge = uninstallPlan({ layout: linux, purge: true, runningBinary: "/usr/local/bin/facet-agent" });
  assert.ok(purge.some((s) => s.kind === "remove" && s.path === "/var/lib/facet-agent" && s.recursive));
  assert.ok(purge.some((s) => s.kind === "remove" && s.path === "/etc/facet-agent/agent.json"));
});

test("the dry run prints every command and the full content of every file", () => {
  const text = describePlan(installPlan({ layout: linux, sourceBinary: "/tmp/dl/facet-agent", enrollUrl: "https://facet.example" }));
  assert.match(text, /^enroll with https:\/\/facet\.example into \/var\/lib\/facet-agent \(key 0600; the token is not shown\)$/m);
  for (const line of systemdUnit(linux).trimEnd().split("\n")) assert.ok(text.includes(`    ${line}`), `dry run lacks: ${line}`);
  assert.match(text, /^run systemctl enable --now facet-agent\.service$/m);
  assert.match(text, /^install -m 0755 \/tmp\/dl\/facet-agent \/usr\/local\/bin\/facet-agent$/m);
});

test("executing a plan writes files with their modes and runs commands as argument vectors", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "facet-plan-"));
  const src = path.join(dir, "src-bin");
  writeFileSync(src, "#!/bin/sh\n");
  const ran: string[][] = [];
  const steps: Step[] = [
    { kind: "mkdir", path: path.join(dir, "state"), mode: 0o700 },
    { kind: "copy", from: src, to: path.join(dir, "bin"), mode: 0o755 },
    { kind: "write", path: path.join(dir, "unit"), mode: 0o644, content: "x\n" },
    { kind: "run", argv: ["systemctl", "daemon-reload"] },
    { kind: "run", argv: ["false"], allowFailure: true },
  ];
  await executePlan(steps, { run: (argv) => { ran.push(argv); if (argv[0] === "false") throw new Error("exit 1"); } });
  assert.equal(statSync(path.join(dir, "state")).mode & 0o777, 0o700);
  assert.equal(statSync(path.join(dir, "bin")).mode & 0o777, 0o755);
  assert.equal(readFileSync(path.join(dir, "unit"), "utf8"), "x\n");
  assert.deepEqual(ran, [["systemctl", "daemon-reload"], ["false"]]);
  await assert.rejects(executePlan([{ kind: "run", argv: ["sc.exe", "create"] }], { run: () => { throw new Error("exit 1060"); } }), /`sc\.exe create` failed/);
  mkdirSync(path.join(dir, "gone"));
  await executePlan([{ kind: "remove", path: path.join(dir, "gone"), recursive: true }]);
  assert.equal(existsSync(path.join(dir, "gone")), false);
});

function kindOf(s: Step): string {
  switch (s.kind) {
    case "run": return `run ${s.argv.join(" ")}`;
    case "copy": return `copy ${s.to}`;
    case "enroll": return `enroll ${s.url}`;
    default: return `${s.kind} ${s.path}`;
  }
}
