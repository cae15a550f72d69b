import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { request, type IncomingHttpHeaders, type Server } from "node:http";
import { gunzipSync } from "node:zlib";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { sendJsonPieces } from "./send-pieces.ts";
import { deflateOpenObject } from "../store/deflated-view.ts";

const pieces = [Buffer.from('{"id":"d1","cached_facts":'), Buffer.from('{"data":{"name":"Zoë 日本"}'), Buffer.from(',"created":"x"}'), Buffer.from("}")];
const whole = Buffer.concat(pieces).toString();

function app() {
  return new Hono().get("/pieces", (c) => sendJsonPieces(c, pieces)).get("/text", (c) => sendJsonPieces(c, '{"a":1}'));
}

test("on Node's server the pieces are the body, in order, with their total length, and the server writes nothing more", async () => {
  // @hono/node-server logs (console.error) a response it could not write, such as a second head.
  const logged: unknown[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  const server = createAdaptorServer({ fetch: app().fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const res = await fetch(`${base}/pieces`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(whole)));
    assert.equal(await res.text(), whole);
    assert.deepEqual(JSON.parse(whole), { id: "d1", cached_facts: { data: { name: "Zoë 日本" }, created: "x" } });
    const head = await fetch(`${base}/pieces`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "application/json");
    assert.equal(await head.text(), "");
    assert.equal(await (await fetch(`${base}/text`)).text(), '{"a":1}');
    assert.deepEqual(logged, []);
  } finally {
    console.error = consoleError;
    server.close();
  }
});

test("without a Node response (app.request) the pieces are joined into one body", async () => {
  const res = await app().request("/pieces");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(await res.text(), whole);
});

const open = '{"data":{"software":[' + Array.from({ length: 300 }, (_, i) => `{"name":"pkg-${i}","version":"1.${i}"}`).join(",") + "]}";
const deflatedPieces = [Buffer.from('{"id":"d1","cached_facts":'), deflateOpenObject(`${open}}`), Buffer.from(',"created":"x"}'), Buffer.from("}")];
const deflatedWhole = `{"id":"d1","cached_facts":${open},"created":"x"}}`;

/** A request over a real socket with these headers, the body as sent (not decoded). */
function raw(base: string, method: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/deflated`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject).end();
  });
}

test("a stored view goes out as gzip to a client that accepts it, inflated to one that does not, and either way says it varies", async () => {
  const server = createAdaptorServer({ fetch: new Hono().get("/deflated", (c) => sendJsonPieces(c, deflatedPieces)).fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    // As authentik's client (python-requests) asks, then as a browser does.
    for (const accept of ["gzip, deflate", "gzip, deflate, br, zstd"]) {
      const res = await raw(base, "GET", { "accept-encoding": accept });
      assert.equal(res.headers["content-encoding"], "gzip", accept);
      assert.equal(res.headers["vary"], "Accept-Encoding");
      assert.equal(res.headers["content-length"], String(res.body.length));
      assert.equal(gunzipSync(res.body).toString(), deflatedWhole);
      assert.ok(res.body.length < Buffer.byteLength(deflatedWhole) / 3, `${res.body.length} bytes sent for ${Buffer.byteLength(deflatedWhole)}`);
      const head = await raw(base, "HEAD", { "accept-encoding": accept });
      assert.deepEqual([head.headers["content-encoding"], head.headers["content-length"], head.body.length], ["gzip", String(res.body.length), 0]);
    }
    for (const headers of [{} as Record<string, string>, { "accept-encoding": "identity" }, { "accept-encoding": "gzip;q=0, identity" }, { "accept-encoding": "br" }]) {
      const res = await raw(base, "GET", headers);
      assert.equal(res.headers["content-encoding"], undefined, JSON.stringify(headers));
      assert.equal(res.headers["vary"], "Accept-Encoding");
      assert.equal(res.body.toString(), deflatedWhole);
      assert.equal(res.headers["content-length"], String(res.body.length));
    }
    // Node's own fetch asks for gzip and decodes it.
    assert.deepEqual(await (await fetch(`${base}/deflated`)).json(), JSON.parse(deflatedWhole));
  } finally {
    server.close();
  }
});

test("without a Node response (app.request) a stored view is joined into one body, gzip or not", async () => {
  const app = new Hono().get("/deflated", (c) => sendJsonPieces(c, deflatedPieces));
  assert.equal(await (await app.request("/deflated")).text(), deflatedWhole);
  const gz = await app.request("/deflated", { headers: { "accept-encoding": "gzip" } });
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.equal(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString(), deflatedWhole);
});
