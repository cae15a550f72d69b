/**
 * Token administration cannot escalate: a caller sees, creates and revokes only API tokens whose
 * scopes it holds itself; an admin token sees and manages all. Real connector, real SQLite file.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestConnector, type TestConnector } from "../support/connector.ts";

let t: TestConnector;
const ids: Record<string, string> = {};
const secrets: Record<string, string> = {};

before(async () => {
  t = await startTestConnector();
  for (const [name, scopes] of Object.entries({
    writer: ["tokens:write", "devices:read"],
    otherAdmin: ["admin"],
    reader: ["devices:read"],
    events: ["events:read"],
    mixed: ["devices:read", "events:read"],
  })) {
    const res = await t.api("/v1/tokens/api", { method: "POST", body: JSON.stringify({ name, scopes }) });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { id: string; token: string };
    ids[name] = body.id;
    secrets[name] = body.token;
  }
});
after(async () => t.stop());

const asWriter = (path: string, init: RequestInit = {}) => t.api(path, { ...init, token: secrets.writer! });

describe("token scopes do not escalate", () => {
  test("a tokens:write token lists only tokens whose scopes it holds", async () => {
    const listed = ((await (await asWriter("/v1/tokens/api")).json()) as { tokens: { id: string }[] }).tokens.map((x) => x.id);
    assert.ok(listed.includes(ids.writer!), "itself");
    assert.ok(listed.includes(ids.reader!), "a devices:read token");
    for (const hidden of ["otherAdmin", "events", "mixed"]) assert.ok(!listed.includes(ids[hidden]!), `${hidden} is not listed`);
  });

  test("it cannot revoke an admin token or a token with a scope it lacks (404, as if absent)", async () => {
    for (const target of ["otherAdmin", "events", "mixed"]) {
      const res = await asWriter(`/v1/tokens/api/${ids[target]}/revoke`, { method: "POST" });
      assert.equal(res.status, 404, target);
    }
    const admin = await t.api("/v1/devices", { token: secrets.otherAdmin! });
    assert.equal(admin.status, 200, "the admin token still works");
  });

  test("it cannot mint a token with a scope it lacks, nor an admin token", async () => {
    for (const scopes of [["events:read"], ["admin"], ["devices:read", "policies:write"]]) {
      const res = await asWriter("/v1/tokens/api", { method: "POST", body: JSON.stringify({ name: "x", scopes }) });
      assert.equal(res.status, 403, JSON.stringify(scopes));
    }
  });

  test("it can revoke a token within its scopes", async () => {
    const res = await asWriter(`/v1/tokens/api/${ids.reader}/revoke`, { method: "POST" });
    assert.equal(res.status, 200);
    assert.equal((await t.api("/v1/devices", { token: secrets.reader! })).status, 401);
  });

  test("an admin token lists every token", async () => {
    const listed = ((await (await t.api("/v1/tokens/api")).json()) as { tokens: { id: string }[] }).tokens.map((x) => x.id);
    for (const id of Object.values(ids)) assert.ok(listed.includes(id));
  });
});
