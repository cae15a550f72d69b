/**
 * hono's SmartRouter keeps RegExpRouter (one regular expression per method) only while every route
 * is a path RegExpRouter accepts; one it refuses (a parameter beside a static segment in the same
 * place, as `/console/policies/new` beside `/console/policies/:id` was) silently puts every request,
 * sign-ins included, through TrieRouter, which cost about 7 % of a device read's main thread
 * (docs/performance.md). So the connector's whole route table is held to RegExpRouter here.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestConnector, type TestConnector } from "../support/connector.ts";

let t: TestConnector;
before(async () => {
  t = await startTestConnector();
});
after(() => t.stop());

test("every route of the connector (REST, console, agent channel, metrics) is one hono's RegExpRouter accepts", async () => {
  // SmartRouter picks its router at the first match.
  assert.equal((await t.api("/v1/whoami")).status, 200);
  assert.equal(t.connector.app.router.name, "SmartRouter + RegExpRouter");
});
