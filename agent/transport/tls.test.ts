import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Collected } from "../collectors/types.ts";
import { AgentError } from "../errors.ts";
import { enroll } from "../identity/enroll.ts";
import { loadKeyPair } from "../identity/key-file.ts";
import { statePaths } from "../identity/state-dir.ts";
import { runAgent } from "./agent-loop.ts";
import { ScriptedConnector } from "../../test/support/scripted-connector.ts";

const fixture = (name: string) => new URL(`./fixtures/tls/${name}`, import.meta.url).pathname;
const tls = { cert: readFileSync(fixture("server.pem"), "utf8"), key: readFileSync(fixture("server.key"), "utf8") };
const TOKEN = "fce_test_token_0123456789";

const collect = async (): Promise<Collected> => ({
  facts: { os: null, disks: null, network: null, hardware: null, security: null, software: null, processes: null, users: null, groups: null, vendor: null },
  unknown: { os: "test" },
  durationMs: 0,
});

test("enrolls over https and reports over wss to a connector whose certificate comes from a private CA (--ca)", { timeout: 15_000 }, async (t) => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "facet-tls-"));
  // The device key only exists after enrollment, so the server learns it once enroll is done.
  const server = await ScriptedConnector.start(new Uint8Array(32), {}, { tls, enrollDeviceId: "dev_tls" });
  t.after(() => server.close());
  await enroll({ url: server.baseUrl, token: TOKEN, stateDir, caFile: fixture("ca.pem") });
  server.publicKey = loadKeyPair(statePaths(stateDir).key).publicKey;

  const ac = new AbortController();
  // No caFile here: `run` uses the CA remembered at enrollment.
  const running = runAgent({ stateDir, signal: ac.signal, collect });
  await server.waitForSnapshots(1);
  ac.abort();
  await running;
  assert.equal(server.connections[0]?.authSignatureValid, true);
  assert.equal(server.snapshots[0]?.signatureValid, true);
});

test("without the CA, enrollment fails with a clear certificate error", { timeout: 15_000 }, async (t) => {
  const server = await ScriptedConnector.start(new Uint8Array(32), {}, { tls });
  t.after(() => server.close());
  await assert.rejects(
    enroll({ url: server.baseUrl, token: TOKEN, stateDir: mkdtempSync(path.join(os.tmpdir(), "facet-tls-")) }),
    (err: unknown) => err instanceof AgentError && /cannot reach the connector/.test(err.message) && /certificate/i.test(err.message),
  );
});

test("a CA file that holds no certificate is refused up front", async () => {
  await assert.rejects(
    enroll({ url: "https://127.0.0.1:9", token: TOKEN, stateDir: mkdtempSync(path.join(os.tmpdir(), "facet-tls-")), caFile: fixture("README.md") }),
    /contains no PEM certificate/,
  );
});
