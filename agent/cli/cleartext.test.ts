/**
 * The real `facet-agent enroll` refuses http:// to a host other than this one unless --insecure
 * is given: the enrollment token would cross the network in clear. Loopback stays allowed.
 * `run` re-checks the stored URL: ws:// to another host only if enrollment accepted it or
 * `run --insecure`. (No request is made for a refused URL: 192.0.2.1 is TEST-NET-1.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "../../shared/signing/sign.ts";
import { refuseCleartext } from "../identity/enroll.ts";
import { saveKeyPair } from "../identity/key-file.ts";
import { statePaths } from "../identity/state-dir.ts";
import { agentSocketUrl, refuseCleartextSocket } from "../transport/agent-loop.ts";
import { runFromSource } from "../../test/support/from-source.ts";

const main = new URL("./main.ts", import.meta.url).pathname;
const cli = (args: string[]) => runFromSource("facet-agent", args, { timeoutMs: 60_000, killSignal: "SIGKILL" });

test("enroll refuses http:// to a non-loopback host without --insecure, before sending the token", async () => {
  const dir = mkdtempSync(join(tmpdir(), "facet-cleartext-"));
  try {
    const { code, stderr } = await cli(["enroll", "--url", "http://192.0.2.1:8787", "--token", "fce_secret-token-value", "--state-dir", dir]);
    assert.notEqual(code, 0);
    assert.match(stderr, /refusing http:\/\/ to 192\.0\.2\.1.*unencrypted.*--insecure/);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--insecure lifts the refusal; loopback needs no flag", () => {
  assert.doesNotThrow(() => refuseCleartext(new URL("http://192.0.2.1:8787"), true));
  assert.throws(() => refuseCleartext(new URL("http://facet.example.com"), false), /refusing http/);
  assert.doesNotThrow(() => refuseCleartext(new URL("https://facet.example.com"), false));
  for (const host of ["127.0.0.1", "127.9.8.7", "localhost", "[::1]"]) assert.doesNotThrow(() => refuseCleartext(new URL(`http://${host}:1`), false), host);
});

test("to loopback, http:// is attempted (and fails only for want of a connector)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "facet-cleartext-"));
  try {
    const local = await cli(["enroll", "--url", "http://127.0.0.1:1", "--token", "fce_secret-token-value", "--state-dir", dir]);
    assert.doesNotMatch(local.stderr, /refusing http/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A synthetic enrolled state dir, as an older agent (or a hand edit) would have left it. */
function enrolledWith(connectorUrl: string, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "facet-cleartext-"));
  const paths = statePaths(dir);
  saveKeyPair(paths.key, generateKeyPair());
  writeFileSync(paths.state, JSON.stringify({ v: 1, deviceId: "dev_synthetic", connectorUrl, agentPath: "/v1/agent", publicKey: "x", enrolledAt: new Date().toISOString(), seq: 0, ...extra }));
  return dir;
}

test("run refuses a stored http:// connector on another host that enrollment did not accept, before connecting", async () => {
  const dir = enrolledWith("http://192.0.2.1:8787");
  try {
    const { code, stderr } = await cli(["run", "--state-dir", dir, "--no-browser-certificate"]);
    assert.notEqual(code, 0);
    assert.equal(stderr.split("\n").filter(Boolean).length, 1, `one line, got:\n${stderr}`);
    assert.match(stderr, /^facet-agent: refusing ws:\/\/ to 192\.0\.2\.1: the connector URL in .*state\.json is http:\/\/192\.0\.2\.1:8787.*unencrypted.*--insecure/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a stored cleartext URL is allowed when enrollment recorded --insecure, when run gets --insecure, or to loopback", () => {
  const stateFile = "/synthetic/state.json";
  const lan = { connectorUrl: "http://192.0.2.1:8787" };
  const socket = agentSocketUrl(lan.connectorUrl, "/v1/agent");
  assert.equal(socket, "ws://192.0.2.1:8787/v1/agent");
  assert.throws(() => refuseCleartextSocket(socket, lan, { insecure: false, stateFile }), /refusing ws:\/\/ to 192\.0\.2\.1/);
  assert.doesNotThrow(() => refuseCleartextSocket(socket, { ...lan, insecure: true }, { insecure: false, stateFile }));
  assert.doesNotThrow(() => refuseCleartextSocket(socket, lan, { insecure: true, stateFile }));
  assert.doesNotThrow(() => refuseCleartextSocket("ws://127.0.0.1:8787/v1/agent", { connectorUrl: "http://127.0.0.1:8787" }, { insecure: false, stateFile }));
  assert.doesNotThrow(() => refuseCleartextSocket("wss://facet.example.com/v1/agent", { connectorUrl: "https://facet.example.com" }, { insecure: false, stateFile }));
});

test("run --insecure goes on to connect to a stored cleartext URL (the flag reaches the check)", async () => {
  const dir = enrolledWith("http://192.0.2.1:8787");
  try {
    const child = spawn(process.execPath, ["--import", "tsx", main, "run", "--insecure", "--state-dir", dir, "--no-browser-certificate", "--log-level", "info"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    const connecting = new Promise<void>((resolve) => child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("connecting to the connector")) resolve();
    }));
    const exited = once(child, "exit");
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    await Promise.race([connecting, exited]);
    child.kill("SIGTERM");
    await exited;
    clearTimeout(timer);
    assert.match(stderr, /"url":"ws:\/\/192\.0\.2\.1:8787\/v1\/agent","msg":"connecting to the connector"/);
    assert.doesNotMatch(stderr, /refusing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
