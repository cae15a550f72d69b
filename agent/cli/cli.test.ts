import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FactsSchema, UnknownSchema, FACET_VENDOR_KEY } from "../../shared/facts/schema.ts";
import { generateKeyPair } from "../../shared/signing/sign.ts";
import { saveKeyPair } from "../identity/key-file.ts";
import { statePaths } from "../identity/state-dir.ts";
import { StateStore } from "../identity/state-file.ts";
import { EXIT_DEVICE_REJECTED } from "../errors.ts";
import { ScriptedConnector } from "../../test/support/scripted-connector.ts";
import { runFromSource } from "../../test/support/from-source.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const cli = (args: string[], env: Record<string, string> = {}) => runFromSource("facet-agent", args, { env: { ...process.env, FACET_LOG_LEVEL: "silent", ...env }, timeoutMs: 60_000 });

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "facet-cli-"));

function enrolledDir(pair = generateKeyPair(), connectorUrl = "http://127.0.0.1:1"): string {
  const dir = tempDir();
  saveKeyPair(statePaths(dir).key, pair);
  StateStore.create(statePaths(dir).state, {
    v: 1, deviceId: "dev_cli", connectorUrl, agentPath: "/v1/agent",
    publicKey: Buffer.from(pair.publicKey).toString("base64"), enrolledAt: "2026-01-01T00:00:00.000Z", seq: 4,
  });
  return dir;
}

test("facts --json prints a facts document valid against the shared schema, with Facet's vendor entry", { timeout: 60_000 }, async () => {
  const { code, stdout } = await cli(["facts", "--json"]);
  assert.equal(code, 0);
  const out = JSON.parse(stdout);
  assert.equal(FactsSchema.safeParse(out.facts).success, true);
  assert.equal(UnknownSchema.safeParse(out.unknown).success, true);
  assert.ok(out.facts.vendor[FACET_VENDOR_KEY].agent_version);
  assert.ok(Date.parse(out.collectedAt) > 0);
});

test("facts prints a readable tree with unknowns marked", { timeout: 60_000 }, async () => {
  const { code, stdout } = await cli(["facts"]);
  assert.equal(code, 0);
  assert.match(stdout, /facet\.dev\/agent/);
  assert.match(stdout, /unknown/);
});

test("status reports an enrolled device, its seq and an ok key file", { timeout: 60_000 }, async () => {
  const dir = enrolledDir();
  const { code, stdout } = await cli(["status", "--json", "--state-dir", dir]);
  assert.equal(code, 0);
  const status = JSON.parse(stdout);
  assert.equal(status.enrolled, true);
  assert.equal(status.deviceId, "dev_cli");
  assert.equal(status.seq, 4);
  assert.equal(status.keyFile.permissionsOk, true);
  assert.equal(status.healthy, true);
});

test("status flags a key file others can read and exits non-zero", { timeout: 60_000, skip: process.platform === "win32" }, async () => {
  const dir = enrolledDir();
  chmodSync(statePaths(dir).key, 0o644);
  const { code, stdout } = await cli(["status", "--state-dir", dir]);
  assert.equal(code, 1);
  assert.match(stdout, /key file\s+NOT OK: .*0644/);
});

test("run refuses a group/world-readable key file with a one-line reason, no stack trace", { timeout: 60_000, skip: process.platform === "win32" }, async () => {
  const dir = enrolledDir();
  chmodSync(statePaths(dir).key, 0o644);
  const { code, stderr } = await cli(["run"], { FACET_STATE_DIR: dir });
  assert.equal(code, 1);
  assert.match(stderr, /^facet-agent: key file .* has mode 0644/);
  assert.doesNotMatch(stderr, /\n\s+at /);
});

test("run on a corrupt state file says which file and what to do, without a stack trace", { timeout: 60_000 }, async () => {
  const dir = enrolledDir();
  writeFileSync(statePaths(dir).state, "\u0000\u0000garbage");
  const { code, stderr } = await cli(["run", "--state-dir", dir]);
  assert.equal(code, 1);
  assert.match(stderr, /state file .*state\.json is corrupt/);
  assert.match(stderr, /Re-enroll/);
  assert.doesNotMatch(stderr, /\n\s+at /);
});

test("run on a device that was never enrolled points to enroll", { timeout: 60_000 }, async () => {
  const { code, stderr } = await cli(["run", "--state-dir", tempDir()]);
  assert.equal(code, 1);
  assert.match(stderr, /not enrolled.*facet-agent enroll/);
});

test("run exits with EX_CONFIG (78) and a clear message when the connector says the device is revoked", { timeout: 60_000 }, async (t) => {
  const pair = generateKeyPair();
  const server = await ScriptedConnector.start(pair.publicKey);
  t.after(() => server.close());
  server.onAuth = (conn) => server.send(conn, { type: "error", code: "revoked_device", message: "revoked" });
  const { code, stderr } = await cli(["run", "--state-dir", enrolledDir(pair, server.baseUrl)]);
  assert.equal(code, EXIT_DEVICE_REJECTED);
  assert.match(stderr, /has revoked device dev_cli; the agent stops/);
  assert.equal(server.connections.length, 1);
});

test("run stops gracefully on SIGTERM, exiting 0 and keeping the unacknowledged snapshot", { timeout: 60_000, skip: process.platform === "win32" }, async (t) => {
  const pair = generateKeyPair();
  const server = await ScriptedConnector.start(pair.publicKey);
  t.after(() => server.close());
  const dir = enrolledDir(pair, server.baseUrl);
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "run", "--state-dir", dir], {
    env: { ...process.env, FACET_LOG_LEVEL: "silent" },
    stdio: "ignore",
  });
  t.after(() => child.kill("SIGKILL"));
  await server.waitForSnapshots(1, 45_000);
  child.kill("SIGTERM");
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 0);
  assert.equal(JSON.parse(readFileSync(statePaths(dir).pending, "utf8")).seq, 5, "seq 4 was the last before; the kept snapshot is seq 5");
});
