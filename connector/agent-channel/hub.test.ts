import { test } from "node:test";
import assert from "node:assert/strict";
import { LocalAgentHub, RefreshError, type AgentConnection } from "./hub.ts";
import type { StoredSnapshot } from "../store/types.ts";

function connection(deviceId: string, onRefresh: (id: string) => void = () => {}): AgentConnection & { closedWith?: number } {
  const c: AgentConnection & { closedWith?: number } = {
    deviceId,
    sendRefresh: (id) => (onRefresh(id), true),
    close: (code) => void (c.closedWith = code),
  };
  return c;
}

const snap = { deviceId: "d1", seq: 2 } as StoredSnapshot;

test("refresh resolves with the snapshot that answers its request id", async () => {
  const hub = new LocalAgentHub();
  hub.register(connection("d1", (id) => setImmediate(() => hub.answered("d1", id, snap))));
  assert.equal(await hub.refresh("d1", 1000), snap);
});

test("refresh fails at once when not connected, after the timeout, and when the agent leaves", async () => {
  const hub = new LocalAgentHub();
  await assert.rejects(hub.refresh("d1", 1000), (e: RefreshError) => e.reason === "not_connected");
  const c = connection("d1");
  hub.register(c);
  await assert.rejects(hub.refresh("d1", 30), (e: RefreshError) => e.reason === "timeout");
  const pending = hub.refresh("d1", 5000);
  hub.unregister(c);
  await assert.rejects(pending, (e: RefreshError) => e.reason === "disconnected");
});

test("an answer from another device cannot settle a refresh", async () => {
  const hub = new LocalAgentHub();
  let requestId = "";
  hub.register(connection("d1", (id) => (requestId = id)));
  const pending = hub.refresh("d1", 50);
  hub.answered("d2", requestId, snap);
  await assert.rejects(pending, (e: RefreshError) => e.reason === "timeout");
});

test("a replaced session closing late does not unregister its successor", () => {
  const hub = new LocalAgentHub();
  const old = connection("d1");
  const fresh = connection("d1");
  hub.register(old);
  assert.equal(hub.register(fresh), old);
  hub.unregister(old);
  assert.equal(hub.isConnected("d1"), true);
});

test("disconnect closes the device's session with the given code", async () => {
  const hub = new LocalAgentHub();
  const c = connection("d1");
  hub.register(c);
  assert.equal(await hub.disconnect("d1", "revoked", 4004), true);
  assert.equal(c.closedWith, 4004);
  assert.equal(hub.isConnected("d1"), false);
  assert.equal(await hub.disconnect("d1", "revoked"), false);
});
