import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { sendJsonPieces } from "./send-pieces.ts";

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
