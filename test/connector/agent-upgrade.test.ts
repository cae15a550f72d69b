/** How the connector's HTTP port treats WebSocket upgrades outside the agent channel. */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { startTestConnector, type TestConnector } from "../support/connector.ts";

let t: TestConnector;
before(async () => {
  t = await startTestConnector();
});
after(async () => {
  await t.stop();
});

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("error", (error) => reject(error));
  });
}

test("an upgrade to any path but /v1/agent is refused with 404", async () => {
  assert.equal(await upgradeStatus(t.connector.agentUrl.replace("/v1/agent", "/v1/devices")), 404);
  assert.equal(await upgradeStatus(t.connector.agentUrl.replace("/v1/agent", "/v1/agentx")), 404);
});

test("an upgrade to /v1/agent with a query string still opens the channel", async () => {
  assert.equal(await upgradeStatus(`${t.connector.agentUrl}?v=1`), 101);
});

test("a plain GET of /v1/agent answers 426 Upgrade Required", async () => {
  const res = await fetch(t.connector.agentUrl.replace(/^ws/, "http"));
  assert.equal(res.status, 426);
  assert.equal(res.headers.get("upgrade"), "websocket");
});
