/**
 * The operator's recovery paths with the real processes (docs/operations.md): `facet-connector
 * backup` against a live connector's SQLite file while an agent keeps writing snapshots, the copy
 * checked by SQLite itself; `reset-admin-token` with the connector running (the old token gets 401,
 * the `facet` CLI works with the new one); and a restore — stop, replace the file, reset the admin
 * token offline, start — that serves what the backup holds.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ProtocolClient, enrollTestDevice, type TestDevice } from "../support/protocol-client.ts";
import { until } from "../support/until.ts";
import { runFromSource } from "../support/from-source.ts";

const root = new URL("../..", import.meta.url).pathname;

let dir: string;
let env: NodeJS.ProcessEnv;
let database: string;
let server: { child: ChildProcess; url: string; logs: () => string } | undefined;

const connectorCommand = (...args: string[]) => runFromSource("facet-connector", args, { env, timeoutMs: 60_000 });
const facet = (...args: string[]) => runFromSource("facet", args, { env, timeoutMs: 60_000 });

async function startServer(): Promise<NonNullable<typeof server>> {
  const urlFile = join(dir, "db", "connector.url");
  rmSync(urlFile, { force: true });
  let logs = "";
  const child = spawn(process.execPath, ["--import", "tsx", "connector/main.ts", "serve", "--port", "0", "--host", "127.0.0.1"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (chunk: Buffer) => (logs += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (logs += chunk.toString()));
  for (let i = 0; i < 1200 && !existsSync(urlFile); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(urlFile), `connector did not start:\n${logs}`);
  return { child, url: readFileSync(urlFile, "utf8").trim(), logs: () => logs };
}

async function stopServer(): Promise<void> {
  if (!server) return;
  const exited = new Promise<number | null>((resolve) => server!.child.once("exit", (code) => resolve(code)));
  server.child.kill("SIGTERM");
  assert.equal(await exited, 0, server.logs());
  server = undefined;
}

const adminToken = () => readFileSync(join(dir, "db", "admin.token"), "utf8").trim();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "facet-backup-"));
  database = join(dir, "db", "facet.db");
  env = { PATH: process.env.PATH, HOME: dir, FACET_DATABASE: database, FACET_LOG_LEVEL: "warn", FACET_OS_CATALOG_REFRESH: "off" };
  mkdirSync(join(dir, "db"), { mode: 0o700 });
  server = await startServer();
});

after(async () => {
  if (server?.child.exitCode === null) server.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("backup, admin token reset and restore", { timeout: 180_000 }, () => {
  let device: TestDevice;
  let backupFile: string;
  let backedUpSeq: number;
  let firstToken: string;

  test("backup of the live database while snapshots are written: a consistent, intact, self-contained copy", async () => {
    firstToken = adminToken();
    const created = await facet("tokens", "create", "--enroll", "--uses", "10", "--json");
    assert.equal(created.code, 0, created.stderr);
    const enrollSecret = (JSON.parse(created.stdout) as { token: string }).token;
    // Agents writing for as long as the backup runs, each at the pace the connector allows one connection.
    const agents = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const d = await enrollTestDevice(server!.url, enrollSecret, { hostname: `backed-up-${i}` });
        const client = await ProtocolClient.connect(`${server!.url.replace(/^http/, "ws")}/v1/agent`);
        assert.equal((await client.authenticate(d)).type, "welcome");
        return { device: d, client, seq: 0 };
      }),
    );
    device = agents[0]!.device;
    let writing = true;
    const acked = () => agents.reduce((n, a) => n + a.seq, 0);
    // Each agent sends on a fixed schedule, staggered across the pace, so an ack lands every
    // fraction of it, not four at once: a backup shorter than the pace would otherwise fall between
    // two rounds. Not "send, then wait": one slow commit acks all four together, and they would
    // stay in step from then on.
    const start = Date.now();
    const writers = agents.map(async (agent, i) => {
      for (let due = start + (i * 550) / agents.length; writing; due += 550) {
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        if (!writing) break;
        const answer = await agent.client.sendSnapshot(agent.device, { seq: agent.seq + 1 });
        assert.equal(answer.type, "ack", JSON.stringify(answer));
        agent.seq += 1;
      }
    });
    await until("the agents are writing", () => acked() >= 8, 10_000);
    const seq = () => agents[0]!.seq;

    backupFile = join(dir, "backup.db");
    const [seqAtStart, ackedAtStart] = [seq(), acked()];
    const backup = await connectorCommand("backup", "--database", database, "--out", backupFile);
    const ackedAtEnd = acked();
    writing = false;
    await Promise.all(writers);
    for (const agent of agents) agent.client.close();
    assert.equal(backup.code, 0, backup.stderr);
    assert.ok(ackedAtEnd > ackedAtStart, "snapshots were acked while the backup ran");
    assert.match(backup.stdout, /backed up .*facet\.db to .*backup\.db: schema version \d+, 4 devices, \d+ snapshots, integrity ok/);

    assert.equal(statSync(backupFile).mode & 0o777, 0o600, "the copy holds token hashes: owner only");
    assert.equal(existsSync(`${backupFile}-wal`), false, "one self-contained file");
    const copy = new Database(backupFile, { readonly: true });
    try {
      assert.equal(copy.pragma("integrity_check", { simple: true }), "ok");
      assert.equal(copy.pragma("journal_mode", { simple: true }), "delete");
      assert.equal((copy.prepare("SELECT count(*) AS n FROM devices").get() as { n: number }).n, 4);
      const row = copy.prepare("SELECT id, last_seq FROM devices WHERE id = ?").get(device.deviceId) as { id: string; last_seq: number };
      backedUpSeq = row.last_seq;
      assert.ok(backedUpSeq >= seqAtStart && backedUpSeq <= seq(), `the copy is a state the connector was in (seq ${backedUpSeq} in ${seqAtStart}..${seq()})`);
      const latest = copy.prepare("SELECT seq FROM snapshots WHERE device_id = ? ORDER BY seq DESC LIMIT 1").get(device.deviceId) as { seq: number };
      assert.equal(latest.seq, backedUpSeq, "device row and snapshots agree");
    } finally {
      copy.close();
    }

    const again = await connectorCommand("backup", "--database", database, "--out", backupFile);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  test("reset-admin-token with the connector running: the old token gets 401, the facet CLI works with the new one", async () => {
    const reset = await connectorCommand("reset-admin-token", "--database", database);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^revoked admin token tok_\S+; wrote admin token tok_\S+ to .*admin\.token$/m);
    const newToken = adminToken();
    assert.notEqual(newToken, firstToken);
    assert.equal(statSync(join(dir, "db", "admin.token")).mode & 0o777, 0o600);

    // The running connector may honour a cached token for a moment (tokens/api-token-cache.ts TOKEN_CACHE_MS).
    await until("the old token is refused", async () => (await fetch(`${server!.url}/v1/whoami`, { headers: { authorization: `Bearer ${firstToken}` } })).status === 401, 10_000);
    const old = await facet("--token", firstToken, "devices", "ls");
    assert.equal(old.code, 1);
    assert.match(old.stderr, /unauthorized/);
    const ls = await facet("devices", "ls", "--json");
    assert.equal(ls.code, 0, ls.stderr);
    assert.ok((JSON.parse(ls.stdout) as { id: string }[]).some((d) => d.id === device.deviceId));
  });

  test("restore: stop, replace the file, reset the admin token offline, start — the backup's state is served", async () => {
    await stopServer();
    for (const suffix of ["-wal", "-shm"]) rmSync(`${database}${suffix}`, { force: true });
    copyFileSync(backupFile, database);

    // The backup predates the reset above: its bootstrap token is the first one again, so the file beside it is stale.
    const reset = await connectorCommand("reset-admin-token", "--database", database);
    assert.equal(reset.code, 0, reset.stderr);
    server = await startServer();

    const shown = await facet("devices", "show", device.deviceId, "--json");
    assert.equal(shown.code, 0, shown.stderr);
    const view = JSON.parse(shown.stdout) as { id: string };
    assert.equal(view.id, device.deviceId);
    const res = await fetch(`${server.url}/v1/devices/${device.deviceId}?view=facet`, { headers: { authorization: `Bearer ${adminToken()}` } });
    assert.equal(res.status, 200);
    assert.equal((await fetch(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${firstToken}` } })).status, 401, "the token the backup held was revoked offline");

    // The agent carries on from the restored state: the next seq after the backup's is accepted.
    const client = await ProtocolClient.connect(`${server.url.replace(/^http/, "ws")}/v1/agent`);
    const welcome = await client.authenticate(device);
    assert.equal(welcome.type === "welcome" && welcome.lastSeq, backedUpSeq);
    assert.deepEqual(await client.sendSnapshot(device, { seq: backedUpSeq + 1 }), { type: "ack", seq: backedUpSeq + 1 });
    client.close();
    await stopServer();
  });
});
