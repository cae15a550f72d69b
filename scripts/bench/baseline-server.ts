/**
 * The baselines the connector is compared against in the same run, each in its own process like
 * the connector: `ws` — a bare `ws` server that accepts connections and does nothing else;
 * `hono` — bare hono routes on @hono/node-server; `http` — a bare node:http server. The HTTP
 * ones answer `GET /v1/devices/:id` and `POST /v1/endpoint/check` (its body read, not parsed)
 * with fixed JSON documents the bench sets to the connector's own answers, as it sent them (the
 * device read gzip-encoded when the bench's reads accept gzip).
 *
 *   tsx scripts/bench/baseline-server.ts ws|hono|http   (IPC: replies {type:"listening", port})
 */
import { createServer } from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { WebSocketServer } from "ws";

const mode = process.argv[2];
let json: Buffer<ArrayBuffer> = Buffer.concat([Buffer.from("{}")]);
let deviceHeaders: Record<string, string> = { "content-type": "application/json" };
let checkJson = "{}";
const JSON_TYPE = { "content-type": "application/json" };

function report(): void {
  globalThis.gc?.();
  process.send?.({ type: "status", rss: process.memoryUsage().rss, connections });
}

let connections = 0;

if (mode === "ws") {
  const server = createServer();
  const wss = new WebSocketServer({ server, maxPayload: 1 << 20, perMessageDeflate: false });
  wss.on("connection", (ws) => {
    connections += 1;
    ws.on("close", () => (connections -= 1));
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.({ type: "listening", port: typeof address === "object" && address ? address.port : 0 });
  });
} else if (mode === "hono") {
  const app = new Hono();
  app.get("/v1/devices/:id", (c) => c.body(json, 200, deviceHeaders));
  app.post("/v1/endpoint/check", async (c) => {
    await c.req.arrayBuffer();
    return c.body(checkJson, 200, JSON_TYPE);
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.send?.({ type: "listening", port: info.port });
  });
  server.on("error", (err) => {
    console.error(err);
    process.exit(1);
  });
} else if (mode === "http") {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body = req.method === "POST" ? checkJson : json;
      res.writeHead(200, { ...(req.method === "POST" ? JSON_TYPE : deviceHeaders), "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.({ type: "listening", port: typeof address === "object" && address ? address.port : 0 });
  });
} else {
  console.error("usage: baseline-server.ts ws|hono|http");
  process.exit(2);
}

process.on("message", (raw) => {
  const message = raw as { type: string; json?: string; contentEncoding?: string; checkJson?: string };
  if (message.type === "setJson" && message.json !== undefined) {
    json = Buffer.concat([Buffer.from(message.json, "base64")]);
    deviceHeaders = { ...JSON_TYPE, ...(message.contentEncoding ? { "content-encoding": message.contentEncoding, vary: "Accept-Encoding" } : {}) };
    checkJson = message.checkJson ?? checkJson;
    process.send?.({ type: "ok" });
  } else if (message.type === "status") report();
});
process.on("disconnect", () => process.exit(0));
