/**
 * Unauthenticated peers cannot hold the connector's resources: WebSockets that have not yet
 * authenticated are capped per address and in total (refused at the upgrade, before any session
 * exists), and a request body that trickles in is cut off after `requestTimeoutMs` with 408.
 * Real connector, real sockets from distinct loopback addresses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { WebSocket } from "ws";
import { startTestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollTestDevice } from "../support/protocol-client.ts";

/** Opens a WebSocket from `localAddress`; resolves "open" or the HTTP status it was refused with. */
function open(url: string, localAddress: string): Promise<{ ws: WebSocket; result: "open" | number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress });
    ws.once("open", () => resolve({ ws, result: "open" }));
    ws.once("unexpected-response", (_req, res) => resolve({ ws, result: res.statusCode ?? 0 }));
    ws.once("error", reject);
  });
}

test("unauthenticated WebSockets are capped per address and in total; authenticating frees the slot", async () => {
  const t = await startTestConnector({ limits: { maxUnauthenticatedPerAddress: 5, maxUnauthenticated: 8, authTimeoutMs: 30_000 } });
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const { ws, result } = await open(t.connector.agentUrl, "127.0.0.1");
      sockets.push(ws);
      assert.equal(result, "open", `connection ${i + 1} from one address`);
    }
    const sixth = await open(t.connector.agentUrl, "127.0.0.1");
    assert.equal(sixth.result, 429, "the sixth from the same address is refused");
    for (let i = 0; i < 3; i++) {
      const { ws, result } = await open(t.connector.agentUrl, "127.0.0.2");
      sockets.push(ws);
      assert.equal(result, "open");
    }
    const ninth = await open(t.connector.agentUrl, "127.0.0.3");
    assert.equal(ninth.result, 503, "past the total, any address is refused");

    // A real agent that authenticates no longer counts: its slot is free again.
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    for (const ws of sockets.splice(0, 1)) ws.terminate();
    await new Promise((r) => setTimeout(r, 200));
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    assert.equal((await client.authenticate(device)).type, "welcome");
    const again = await open(t.connector.agentUrl, "127.0.0.3");
    sockets.push(again.ws);
    assert.equal(again.result, "open", "the authenticated agent released its slot");
    client.close();
  } finally {
    for (const ws of sockets) ws.terminate();
    await t.stop();
  }
});

test("a request body trickling in is cut off with 408 after requestTimeoutMs", async () => {
  const t = await startTestConnector({ limits: { requestTimeoutMs: 1000 } });
  try {
    const socket = connect(t.connector.port, "127.0.0.1");
    const started = Date.now();
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    socket.write("POST /v1/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{");
    const trickle = setInterval(() => socket.writable && socket.write(" "), 200);
    const closedAfter = await new Promise<number>((resolve) => {
      socket.on("close", () => resolve(Date.now() - started));
      // Bounded: before the fix the connector held it for about 137 s.
      setTimeout(() => resolve(-1), 8000);
    });
    clearInterval(trickle);
    socket.destroy();
    assert.notEqual(closedAfter, -1, "the connector closed the connection within 8 s");
    assert.match(answer, /^HTTP\/1\.1 408/);
  } finally {
    await t.stop();
  }
});
