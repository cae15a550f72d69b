/**
 * The agent as its service manager runs it: `facet-agent run` as a real child process, logging to a
 * file (as the Windows task does), against a real connector on 127.0.0.1. A device the connector
 * rejects must end the process with the status the service definitions treat as "do not restart"
 * (78, the systemd unit's RestartPreventExitStatus; 0 when launchd's plist asks for it), and a
 * restart of it must cost the connector one handshake, not a loop.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { enroll, EXIT_DEVICE_REJECTED, statePaths, StateStore } from "../../agent/index.ts";
import { saveKeyPair } from "../../agent/identity/key-file.ts";
import { generateKeyPair } from "../../shared/signing/sign.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { until } from "../support/until.ts";

const MAIN = new URL("../../agent/cli/main.ts", import.meta.url).pathname;
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "facet-service-exit-"));

interface AgentRun {
  exit: Promise<number | null>;
  logLines(): Record<string, unknown>[];
  stop(): void;
  kill(): void;
}

/** `facet-agent run --log-file …` with a clean environment (no FACET_* from the test runner). */
function runAgentProcess(stateDir: string, logFile: string, extra: string[] = []): AgentRun {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "run", "--state-dir", stateDir, "--log-file", logFile, "--log-level", "info", ...extra], {
    env: { PATH: process.env.PATH, HOME: path.dirname(stateDir), FACET_RECONNECT_BASE_MS: "100", FACET_RECONNECT_CAP_MS: "400", FACET_NO_BROWSER_CERTIFICATE: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exit = once(child, "exit").then(([code]) => code as number | null);
  return {
    exit,
    logLines: () => (existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []),
    stop: () => child.kill("SIGTERM"),
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      if (stderr) process.stderr.write(stderr);
    },
  };
}

async function authFailures(t: TestConnector): Promise<{ device_id: string | null; data: { code: string } }[]> {
  const res = await t.api("/v1/events?type=agent.auth_failed&limit=100");
  assert.equal(res.status, 200);
  return ((await res.json()) as { events: { device_id: string | null; data: { code: string } }[] }).events;
}

test("revoked while running: the agent process exits 78, says why in its log file, and a restart is one rejected handshake", { timeout: 120_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const stateDir = path.join(tempDir(), "state");
  const { deviceId } = await enroll({ url: t.connector.url, token: t.enrollToken, stateDir, username: "ada" });
  const logFile = path.join(path.dirname(stateDir), "logs", "facet-agent.log");

  const first = runAgentProcess(stateDir, logFile);
  tt.after(() => first.kill());
  await until("the first snapshot acknowledged (in the log file)", () => first.logLines().some((l) => l.msg === "snapshot acknowledged"), 90_000);
  const res = await t.api(`/v1/devices/${deviceId}/revoke`, { method: "POST" });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(await first.exit, EXIT_DEVICE_REJECTED);
  assert.equal(EXIT_DEVICE_REJECTED, 78);

  // The reason is in the file: a Windows task's stderr goes nowhere.
  const last = first.logLines().at(-1)!;
  assert.equal(last.code, "device_revoked");
  assert.match(String(last.msg), new RegExp(`has revoked device ${deviceId}; the agent stops`));
  assert.equal(statSync(logFile).mode & 0o777, 0o600);

  // What a restart by a service manager would do: one handshake, rejected, the same status.
  const before = (await authFailures(t)).length;
  const second = runAgentProcess(stateDir, logFile);
  tt.after(() => second.kill());
  assert.equal(await second.exit, EXIT_DEVICE_REJECTED);
  const failures = await authFailures(t);
  assert.equal(failures.length - before, 1, "exactly one handshake, no reconnect loop");
  assert.equal(failures.at(-1)!.data.code, "revoked_device");
  assert.ok(second.logLines().some((l) => l.msg === "connector rejected this device"), "appended to the same file");

  // launchd can only tell zero from non-zero: its plist passes --rejected-exit-code 0.
  const underLaunchd = runAgentProcess(stateDir, logFile, ["--rejected-exit-code", "0"]);
  tt.after(() => underLaunchd.kill());
  assert.equal(await underLaunchd.exit, 0);
});

test("a device the connector does not know (deleted, or another connector's) exits 78 after one handshake", { timeout: 60_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const stateDir = path.join(tempDir(), "state");
  const pair = generateKeyPair();
  mkdirSync(stateDir, { mode: 0o700 });
  saveKeyPair(statePaths(stateDir).key, pair);
  StateStore.create(statePaths(stateDir).state, {
    v: 1, deviceId: "dev_gone", connectorUrl: t.connector.url, agentPath: "/v1/agent",
    publicKey: Buffer.from(pair.publicKey).toString("base64"), enrolledAt: "2026-01-01T00:00:00.000Z", seq: 3,
  });
  const logFile = path.join(path.dirname(stateDir), "agent.log");
  const agent = runAgentProcess(stateDir, logFile);
  tt.after(() => agent.kill());
  assert.equal(await agent.exit, EXIT_DEVICE_REJECTED);
  const failures = await authFailures(t);
  assert.deepEqual(failures.map((f) => f.data.code), ["unknown_device"]);
  assert.equal(agent.logLines().at(-1)!.code, "device_unknown");
});

test("an unreachable connector is not a rejection: the agent keeps retrying until stopped, and SIGTERM exits 0", { timeout: 60_000, skip: process.platform === "win32" }, async (tt) => {
  const stateDir = path.join(tempDir(), "state");
  const pair = generateKeyPair();
  mkdirSync(stateDir, { mode: 0o700 });
  saveKeyPair(statePaths(stateDir).key, pair);
  StateStore.create(statePaths(stateDir).state, {
    v: 1, deviceId: "dev_offline", connectorUrl: "http://127.0.0.1:1", agentPath: "/v1/agent",
    publicKey: Buffer.from(pair.publicKey).toString("base64"), enrolledAt: "2026-01-01T00:00:00.000Z", seq: 3,
  });
  const logFile = path.join(path.dirname(stateDir), "agent.log");
  const agent = runAgentProcess(stateDir, logFile);
  tt.after(() => agent.kill());
  await until("three reconnect attempts", () => agent.logLines().filter((l) => l.msg === "disconnected; reconnecting").length >= 3, 45_000);
  assert.equal(await Promise.race([agent.exit, Promise.resolve("running")]), "running");
  agent.stop();
  assert.equal(await agent.exit, 0);
  assert.equal(agent.logLines().at(-1)!.msg, "agent stopped");
});
