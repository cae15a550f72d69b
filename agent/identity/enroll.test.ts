import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EnrollRequestSchema, type EnrollRequest } from "../../shared/protocol/enroll.ts";
import { canonicalBytes } from "../../shared/signing/canonical.ts";
import { publicKeyFromRaw, verifySignature } from "../../shared/signing/verify.ts";
import { AgentError } from "../errors.ts";
import { enroll, isEnrolled } from "./enroll.ts";
import { loadKeyPair } from "./key-file.ts";
import { statePaths } from "./state-dir.ts";
import { StateStore } from "./state-file.ts";

const TOKEN = "fct_enroll_0123456789abcdef";

/** A real HTTP server on loopback that checks the request with the shared schema and node:crypto. */
async function enrollServer(answer: (req: EnrollRequest) => { status: number; body: unknown }, host = "127.0.0.1") {
  const received: EnrollRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const parsed = EnrollRequestSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    if (req.url !== "/prefix/v1/enroll" || !parsed.success) {
      res.writeHead(400).end(JSON.stringify({ error: { code: "bad_request", message: `bad request to ${req.url}` } }));
      return;
    }
    received.push(parsed.data);
    const { status, body } = answer(parsed.data);
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  server.listen(0, host);
  await once(server, "listening");
  const url = `http://${host}:${(server.address() as AddressInfo).port}/prefix`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const stateDir = () => path.join(mkdtempSync(path.join(os.tmpdir(), "facet-enroll-")), "state");

test("enrolls with a proof of possession the connector can verify, and stores key and state", { timeout: 10_000 }, async (t) => {
  const server = await enrollServer(() => ({ status: 201, body: { deviceId: "dev_abc", agentPath: "/v1/agent" } }));
  t.after(server.close);
  const dir = stateDir();
  const result = await enroll({ url: server.url, token: TOKEN, stateDir: dir, username: "ada", hostname: "ada-laptop" });
  assert.equal(result.deviceId, "dev_abc");

  const req = server.received[0]!;
  const proofOk = verifySignature(
    "enroll",
    canonicalBytes({ publicKey: req.publicKey, token: TOKEN }),
    Buffer.from(req.signature, "base64"),
    publicKeyFromRaw(Buffer.from(req.publicKey, "base64")),
  );
  assert.equal(proofOk, true);
  assert.equal(req.username, "ada");
  assert.equal(req.hostname, "ada-laptop");
  assert.equal(req.platform, process.platform);
  assert.ok(req.agentVersion);

  const paths = statePaths(dir);
  const key = loadKeyPair(paths.key);
  assert.equal(Buffer.from(key.publicKey).toString("base64"), req.publicKey);
  if (process.platform !== "win32") {
    assert.equal(statSync(paths.key).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  }
  const state = StateStore.open(paths.state).current;
  assert.equal(state.deviceId, "dev_abc");
  assert.equal(state.agentPath, "/prefix/v1/agent", "the agent path is relative to the connector URL");
  assert.equal(state.seq, 0);
  assert.equal(isEnrolled(dir), true);
  assert.ok(!readFileSync(paths.state, "utf8").includes(TOKEN), "the token is not stored");
});

test("a refused enrollment reports the connector's code and leaves no key behind", { timeout: 10_000 }, async (t) => {
  const server = await enrollServer(() => ({ status: 401, body: { error: { code: "expired_token", message: "the enrollment token has expired" } } }));
  t.after(server.close);
  const dir = stateDir();
  await assert.rejects(
    enroll({ url: server.url, token: TOKEN, stateDir: dir }),
    (err: unknown) => err instanceof AgentError && err.code === "enroll_failed" && /HTTP 401/.test(err.message) && /expired_token/.test(err.message),
  );
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(isEnrolled(dir), false);
});

test("rejects an enroll response that does not match the schema", { timeout: 10_000 }, async (t) => {
  const server = await enrollServer(() => ({ status: 201, body: { id: 5 } }));
  t.after(server.close);
  await assert.rejects(enroll({ url: server.url, token: TOKEN, stateDir: stateDir() }), /enroll response is not valid/);
});

test("refuses to enroll twice unless forced, and a forced enrollment replaces the key", { timeout: 10_000 }, async (t) => {
  let n = 0;
  const server = await enrollServer(() => ({ status: 201, body: { deviceId: `dev_${++n}`, agentPath: "/v1/agent" } }));
  t.after(server.close);
  const dir = stateDir();
  await enroll({ url: server.url, token: TOKEN, stateDir: dir });
  const firstKey = readFileSync(statePaths(dir).key, "utf8");
  await assert.rejects(enroll({ url: server.url, token: TOKEN, stateDir: dir }), (err: unknown) => err instanceof AgentError && err.code === "already_enrolled" && /dev_1/.test(err.message));
  assert.equal(server.received.length, 1, "the second attempt never reached the connector");
  await enroll({ url: server.url, token: TOKEN, stateDir: dir, force: true });
  assert.equal(StateStore.open(statePaths(dir).state).current.deviceId, "dev_2");
  assert.notEqual(readFileSync(statePaths(dir).key, "utf8"), firstKey);
});

test("an unreachable connector is a clear error", { timeout: 10_000 }, async () => {
  const server = await enrollServer(() => ({ status: 500, body: {} }));
  await server.close();
  await assert.rejects(enroll({ url: server.url, token: TOKEN, stateDir: stateDir() }), /cannot reach the connector/);
});

test("rejects a token the protocol would refuse before sending it", async () => {
  await assert.rejects(enroll({ url: "http://127.0.0.1:9", token: "short", stateDir: stateDir() }), (err: unknown) => err instanceof AgentError && /token/.test(err.message));
});

/** This machine's own non-loopback IPv4 address: http:// to it counts as crossing the network. */
function nonLoopbackAddress(): string | undefined {
  return Object.values(os.networkInterfaces()).flat().find((a) => a !== undefined && a.family === "IPv4" && !a.internal)?.address;
}

test("enroll --insecure to another host records the acceptance in the state; loopback records nothing", { timeout: 10_000 }, async (t) => {
  const address = nonLoopbackAddress();
  if (address === undefined) return t.skip("no non-loopback IPv4 address on this machine");
  const lan = await enrollServer(() => ({ status: 201, body: { deviceId: "dev_lan", agentPath: "/v1/agent" } }), address);
  t.after(lan.close);
  await assert.rejects(enroll({ url: lan.url, token: TOKEN, stateDir: stateDir() }), /refusing http:\/\/ to /);
  assert.equal(lan.received.length, 0, "the token was not sent");
  const dir = stateDir();
  await enroll({ url: lan.url, token: TOKEN, stateDir: dir, insecure: true });
  assert.equal(StateStore.open(statePaths(dir).state).current.insecure, true);

  const server = await enrollServer(() => ({ status: 201, body: { deviceId: "dev_local", agentPath: "/v1/agent" } }));
  t.after(server.close);
  const local = stateDir();
  await enroll({ url: server.url, token: TOKEN, stateDir: local, insecure: true });
  assert.equal(StateStore.open(statePaths(local).state).current.insecure, undefined, "loopback never needed the flag");
});
