/**
 * One open file per connected agent: a real connector process started under a low open-files
 * limit (set by the shell, as a service manager would) says at start how many agents it has room
 * for, survives more connections than the limit allows, and serves again once they are gone. The
 * shipped systemd unit raises the limit and passes `systemd-analyze verify`.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RESERVED_FILES, readFileLimit } from "../../connector/file-limit.ts";
import { until } from "../support/until.ts";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "facet-file-limit-"));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

test("the limits are read from /proc/self/limits, as the shell's ulimit reports them", () => {
  const soft = execFileSync("/bin/sh", ["-c", "ulimit -n 777; exec cat /proc/self/limits"]).toString();
  assert.deepEqual(readFileLimit(soft)?.soft, 777);
  const own = readFileLimit();
  assert.ok(own, "this process's limits are readable");
  assert.equal(String(own.soft), execFileSync("/bin/sh", ["-c", "ulimit -Sn"]).toString().trim());
});

test("under a low limit the connector warns with its agent capacity, outlives a flood of connections and serves again", async () => {
  const limit = 400;
  const child = spawn(
    "/bin/sh",
    ["-c", `ulimit -n ${limit} && exec "$0" --import tsx connector/main.ts serve --port 0 --log-level info --database "$1"`, process.execPath, join(dir, "facet.db")],
    { cwd: root, env: { ...process.env, FACET_LOG_LEVEL: "info", FACET_DATABASE: "", FACET_DATABASE_URL: "" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.resume();
  await until("the start-up lines", () => /connector listening/.test(out) && /open-files limit/.test(out), 90_000);
  const url = /"url":"(http[^"]+)"/.exec(out)![1]!;
  const line = JSON.parse(out.split("\n").find((l) => l.includes("open-files limit"))!) as { level: number | string; openFilesSoft: number; agentCapacity: number };
  assert.equal(line.openFilesSoft, limit);
  assert.equal(line.agentCapacity, limit - RESERVED_FILES);
  assert.ok(line.level === 40 || line.level === "warn", `a warning, got level ${line.level}`);

  const { port } = new URL(url);
  const sockets: Socket[] = [];
  for (let i = 0; i < limit + 200; i++) {
    const s = connect(Number(port), "127.0.0.1");
    s.on("error", () => {});
    sockets.push(s);
  }
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(child.exitCode, null, `the connector exited past its file limit:\n${out.slice(-2_000)}`);
  for (const s of sockets) s.destroy();
  await until("/healthz after the flood", async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200, 20_000);
});

const analyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
test("the connector's systemd unit raises the open-files limit and verifies", { skip: analyze ? false : "systemd-analyze is not installed" }, () => {
  const unit = readFileSync(join(root, "deploy/systemd/facet-connector.service"), "utf8");
  const nofile = /^LimitNOFILE=(\d+)$/m.exec(unit);
  assert.ok(nofile && Number(nofile[1]) >= 65_536, "LimitNOFILE is raised");
  // verify checks that ExecStart's binary exists: point it at this checkout's.
  const local = join(dir, "facet-connector.service");
  writeFileSync(local, unit.replace("/usr/local/bin/facet-connector", join(root, "bin/facet-connector")));
  const res = spawnSync("systemd-analyze", ["verify", local], { encoding: "utf8" });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stderr.trim(), "", "no warnings: every directive parsed");
});
