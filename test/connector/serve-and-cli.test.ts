/**
 * The real processes: `facet-connector serve` started as a child process on a temp database,
 * and the `facet` CLI finding its admin token beside that database, as an admin on the same
 * host would use them.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProtocolClient, enrollTestDevice } from "../support/protocol-client.ts";
import { uniqueFacts } from "../support/facts.ts";
import { runFacet } from "../support/from-source.ts";

const root = new URL("../..", import.meta.url).pathname;

let dir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess;
let logs = "";
let url: string;

const facet = (...args: string[]) => runFacet(args, { env });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "facet-serve-"));
  // Only the variables the processes need: no FACET_URL/FACET_TOKEN from the developer's shell.
  env = { PATH: process.env.PATH, HOME: dir, FACET_DATABASE: join(dir, "db", "facet.db"), FACET_LOG_LEVEL: "info", FACET_OS_CATALOG_REFRESH: "off" };
  // serve never creates the directory of an explicitly named database (a typo would otherwise get a fresh one).
  mkdirSync(join(dir, "db"), { mode: 0o700 });
  server = spawn(process.execPath, ["--import", "tsx", "connector/main.ts", "serve", "--port", "0", "--host", "127.0.0.1"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.on("data", (chunk: Buffer) => (logs += chunk.toString()));
  server.stderr!.on("data", (chunk: Buffer) => (logs += chunk.toString()));
  const urlFile = join(dir, "db", "connector.url");
  for (let i = 0; i < 1200 && !existsSync(urlFile); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(urlFile), `connector did not start:\n${logs}`);
  url = readFileSync(urlFile, "utf8").trim();
  // The URL file is written before the log line reaches the pipe.
  for (let i = 0; i < 100 && !logs.includes("connector listening"); i++) await new Promise((r) => setTimeout(r, 50));
});

after(async () => {
  if (server.exitCode === null) server.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("facet-connector serve and the facet CLI", () => {
  test("bootstraps an admin token, mode 0600, beside the database, and never logs it", () => {
    const tokenFile = join(dir, "db", "admin.token");
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const token = readFileSync(tokenFile, "utf8").trim();
    assert.match(token, /^fct_[A-Za-z0-9_-]{43}$/);
    assert.ok(logs.includes(tokenFile), "the log says where the token is");
    assert.equal(logs.includes(token), false, "the log never contains the token");
    const lines = logs.trim().split("\n").map((l) => JSON.parse(l) as { msg: string });
    assert.ok(lines.some((l) => l.msg === "connector listening"), "logs are JSON");
  });

  test("enroll → push → query through the CLI, with tables, trees and JSON", async () => {
    const created = await facet("tokens", "create", "--enroll", "--uses", "10", "--expires", "7d", "--json");
    assert.equal(created.code, 0, created.stderr);
    const enroll = JSON.parse(created.stdout) as { token: string; max_uses: number; expires_at: string };
    assert.equal(enroll.max_uses, 10);
    assert.ok(Math.abs(Date.parse(enroll.expires_at) - (Date.now() + 7 * 86400_000)) < 120_000);

    const device = await enrollTestDevice(url, enroll.token, { hostname: "cli-host" });
    const client = await ProtocolClient.connect(`${url.replace(/^http/, "ws")}/v1/agent`);
    await client.authenticate(device);
    const facts = uniqueFacts();
    assert.equal((await client.sendSnapshot(device, { seq: 1, facts })).type, "ack");

    const ls = await facet("devices", "ls");
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^ID\s+NAME\s+PLATFORM\s+USER\s+SERIAL/);
    assert.ok(ls.stdout.includes(device.deviceId));
    assert.ok(ls.stdout.includes(facts.hardware!.serial!));

    const lsJson = JSON.parse((await facet("devices", "ls", "--json")).stdout) as { id: string; connected: boolean }[];
    assert.deepEqual(lsJson.map((d) => [d.id, d.connected]), [[device.deviceId, true]]);

    const show = await facet("devices", "show", device.deviceId);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /serial:\s+SN-/);
    assert.match(show.stdout, /encryption_enabled: \? unknown — not collected on linux yet/);
    assert.match(show.stdout, /manufacturer: LENOVO/);

    const json = JSON.parse((await facet("facts", device.deviceId, "--json")).stdout) as { data: { hardware: { serial: string } }; unknown: Record<string, string> };
    assert.equal(json.data.hardware.serial, facts.hardware!.serial);
    assert.equal(json.unknown.security, "not collected on linux yet");

    const tokens = await facet("tokens", "ls");
    assert.match(tokens.stdout, /enrollment tokens[\s\S]*active[\s\S]*API tokens[\s\S]*bootstrap admin/);
    assert.equal(tokens.stdout.includes(enroll.token), false);

    const revoke = await facet("devices", "revoke", device.deviceId);
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /agent disconnected/);
    assert.equal((await client.closed).code, 4004);

    const events = JSON.parse((await facet("events", "--json", "--type", "device.*")).stdout) as { type: string }[];
    assert.deepEqual(events.map((e) => e.type), ["device.revoked", "device.enrolled"], "newest first");
  });

  test("reports API errors with the code and exits 1", async () => {
    const missing = await facet("devices", "show", "no-such-device");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error: not_found:/);
    const badToken = await facet("--token", "fct_" + "x".repeat(43), "devices", "ls");
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /unauthorized/);
  });

  test("shuts down cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.match(logs, /shutting down/);
  });
});
