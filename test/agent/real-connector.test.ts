/**
 * The real agent against the real connector: enroll → run → snapshot stored and served over REST,
 * refresh-and-wait, a crash before the ack resent after restart, a connector restart, revocation.
 * Real SQLite file, real sockets on 127.0.0.1, port 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Collected } from "../../agent/collectors/types.ts";
import { collectFacts } from "../../agent/collectors/index.ts";
import { AgentError } from "../../agent/errors.ts";
import { enroll, statePaths, StateStore } from "../../agent/index.ts";
import { savePending } from "../../agent/snapshot/pending.ts";
import { FACET_VENDOR_KEY, type Facts } from "../../shared/facts/schema.ts";
import { createConnector } from "../../connector/app.ts";
import { createLogger } from "../../connector/log.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { startInProcessAgent } from "../support/in-process-agent.ts";

const agentDir = () => mkdtempSync(path.join(os.tmpdir(), "facet-agent-e2e-"));

function smallCollector(label: string) {
  let n = 0;
  return async (): Promise<Collected> => {
    n += 1;
    const facts: Facts = {
      os: { family: "linux", name: `${label} ${n}`, version: null, arch: "x64" },
      disks: null, network: null, hardware: null, security: null, software: null,
      processes: null, users: null, groups: null, vendor: null,
    };
    return { facts, unknown: { "os.version": "test", disks: "not collected" }, durationMs: 0 };
  };
}

const startAgent = (stateDir: string, collect?: () => Promise<Collected>) => startInProcessAgent(stateDir, collect ? { collect } : {});

async function enrolledAgent(t: TestConnector): Promise<{ stateDir: string; deviceId: string }> {
  const stateDir = agentDir();
  const { deviceId } = await enroll({ url: t.connector.url, token: t.enrollToken, stateDir, username: "ada" });
  return { stateDir, deviceId };
}

test("an enrolled agent's real facts reach the connector and are served as cached_facts", { timeout: 60_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const { stateDir, deviceId } = await enrolledAgent(t);
  const agent = startAgent(stateDir); // the real collectors
  tt.after(() => agent.stop());
  await agent.waitFor((e) => e.type === "ack" && e.seq === 1, "ack of seq 1", 45_000);

  const res = await t.api(`/v1/devices/${deviceId}`);
  assert.equal(res.status, 200);
  const device = (await res.json()) as { connected: boolean; cached_facts: { data: Facts; unknown: Record<string, string> } };
  assert.equal(device.connected, true);
  const local = await collectFacts();
  assert.ok(device.cached_facts.data.vendor?.[FACET_VENDOR_KEY], "Facet's vendor entry is stored");
  assert.equal(device.cached_facts.data.network?.hostname ?? null, local.facts.network?.hostname ?? null);
  assert.equal(StateStore.open(statePaths(stateDir).state).current.lastAck?.seq, 1);
});

test("POST /v1/devices/{id}/refresh?wait=5 returns facts the agent collected for that request", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const { stateDir, deviceId } = await enrolledAgent(t);
  const agent = startAgent(stateDir, smallCollector("refresh"));
  tt.after(() => agent.stop());
  await agent.waitFor((e) => e.type === "ack", "first ack");
  const res = await t.api(`/v1/devices/${deviceId}/refresh?wait=5`, { method: "POST" });
  assert.equal(res.status, 200, await res.clone().text());
  const sent = await agent.waitFor((e) => e.type === "sent" && e.requestId !== undefined, "refresh answer");
  assert.equal(sent.type === "sent" && sent.seq, 2);
  const device = (await (await t.api(`/v1/devices/${deviceId}`)).json()) as { cached_facts: { data: Facts } };
  assert.equal(device.cached_facts.data.os?.name, "refresh 2");
});

test("a snapshot left unacknowledged by a crashed agent is resent on restart and accepted with its seq and collectedAt", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const { stateDir, deviceId } = await enrolledAgent(t);
  // What a crash between send and ack leaves behind: seq reserved in the state, snapshot kept.
  const state = StateStore.open(statePaths(stateDir).state);
  const seq = state.nextSeq();
  const collectedAt = new Date(Date.now() - 30_000).toISOString();
  const { facts, unknown } = await smallCollector("before crash")();
  savePending(statePaths(stateDir).pending, { deviceId, seq, collectedAt, facts, unknown });

  const agent = startAgent(stateDir, smallCollector("after restart"));
  tt.after(() => agent.stop());
  const sent = await agent.waitFor((e) => e.type === "sent", "first send");
  assert.deepEqual(sent.type === "sent" && [sent.seq, sent.resend], [1, true]);
  await agent.waitFor((e) => e.type === "ack" && e.seq === 1, "ack of the resent snapshot");
  const device = (await (await t.api(`/v1/devices/${deviceId}`)).json()) as { cached_facts: { data: Facts; created: string } };
  assert.equal(device.cached_facts.data.os?.name, "before crash 1");
  assert.equal(device.cached_facts.created, collectedAt);
});

test("after a connector restart the agent reconnects and its next snapshot is accepted", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  const { stateDir, deviceId } = await enrolledAgent(t);
  const agent = startAgent(stateDir, smallCollector("restart"));
  tt.after(() => agent.stop());
  await agent.waitFor((e) => e.type === "ack" && e.seq === 1, "first ack");
  const port = t.connector.port;
  await t.connector.close();
  const again = await createConnector({ host: "127.0.0.1", port, database: t.databasePath, logger: createLogger("silent") });
  tt.after(() => again.close());
  const welcomes = () => agent.events.filter((e) => e.type === "welcome").length;
  await agent.waitFor(() => welcomes() >= 2, "second welcome");
  const second = agent.events.filter((e) => e.type === "welcome")[1]!;
  assert.equal(second.type === "welcome" && second.welcome.lastSeq, 1);
  await agent.waitFor((e) => e.type === "ack" && e.seq === 2, "ack after restart");
  const device = await again.store.getDevice(deviceId);
  assert.equal(device?.lastSeq, 2);
});

test("a revoked device's agent stops with device_revoked instead of reconnecting", { timeout: 30_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const { stateDir, deviceId } = await enrolledAgent(t);
  const agent = startAgent(stateDir, smallCollector("revoke"));
  await agent.waitFor((e) => e.type === "ack", "first ack");
  const res = await t.api(`/v1/devices/${deviceId}/revoke`, { method: "POST" });
  assert.equal(res.status, 200, await res.clone().text());
  const err = await agent.outcome;
  assert.ok(err instanceof AgentError && err.code === "device_revoked", String(err));
  assert.equal(agent.events.filter((e) => e.type === "welcome").length, 1, "no reconnect attempt succeeded or looped");
});
