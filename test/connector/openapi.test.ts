/**
 * The REST contract against a real connector: the served OpenAPI document is valid OpenAPI 3.1,
 * documents exactly the routes hono registered, and every documented route, called with a valid
 * request, answers a documented status with a body its documented schema accepts (JSON Schema
 * 2020-12, ajv), and demands the scope it documents. Requests and devices here are synthetic.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { get } from "node:http";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { SCOPES, type Scope } from "../../connector/api/contract.ts";
import { ProtocolClient, enrollRequest, type TestDevice } from "../support/protocol-client.ts";
import { sampleFacts } from "../support/facts.ts";
import { startFeedServer, type FeedServer } from "../support/feed-server.ts";
import type { ConnectorFrame } from "../../shared/protocol/messages.ts";

type Json = Record<string, any>;
type Operation = { operationId: string; security: Json[]; "x-facet-scope"?: Scope; responses: Record<string, { content?: Record<string, { schema: Json }> }> };

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });

/** Not part of the REST contract: the web console (HTML) and the agent WebSocket (docs/protocol.md). */
const UNDOCUMENTED = [/^\/console(\/|$)/, /^\/v1\/agent$/];

let t: TestConnector;
let feeds: FeedServer;
let doc: Json;
let agent: ProtocolClient;
let device: TestDevice;

before(async () => {
  // Every feed answers 404: `POST /v1/os-catalog/update` runs its real path and reports "failed", offline.
  feeds = await startFeedServer();
  t = await startTestConnector({ limits: { osCatalogSources: feeds.sources, osCatalogFetchTimeoutMs: 5_000 } });
  // Not through fetch's pool: validating the document blocks the event loop for seconds, past the
  // server's keep-alive timeout, and an idle pooled connection could then be reused as it closes.
  const { status, text } = await getWithoutKeepAlive(`${t.connector.url}/v1/openapi.json`);
  assert.equal(status, 200);
  doc = JSON.parse(text) as Json;
});

after(async () => {
  agent?.close();
  await t.stop();
  await feeds.close();
});

function getWithoutKeepAlive(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

function operations(): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}

test("the served document is valid OpenAPI 3.1, without authentication", async () => {
  assert.equal(doc.openapi, "3.1.0");
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
});

test("documents exactly the routes the connector registered", () => {
  const registered = new Set(
    t.connector.app.routes
      .filter((r) => r.method !== "ALL" && !UNDOCUMENTED.some((p) => p.test(r.path)))
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`),
  );
  const documented = new Set(operations().map((o) => `${o.method} ${o.path}`));
  assert.deepEqual([...documented].filter((r) => !registered.has(r)).sort(), [], "documented but not registered");
  assert.deepEqual([...registered].filter((r) => !documented.has(r)).sort(), [], "registered but not documented");
});

test("every documented route answers a documented status with a body its schema accepts", async () => {
  const byId = new Map(operations().map((o) => [o.op.operationId, o]));
  const called = new Set<string>();
  const validators = new Map<object, ReturnType<typeof ajv.compile>>();

  /** Calls a route (as its operationId names it) and checks the answer against the document; returns the body. */
  async function call(operationId: string, path: string, init: RequestInit & { token?: string | null } = {}): Promise<any> {
    return verify(operationId, (init.method ?? "GET").toUpperCase(), path, await t.api(path, init));
  }
  async function verify(operationId: string, method: string, path: string, res: Response): Promise<any> {
    const entry = byId.get(operationId);
    assert.ok(entry, `${operationId} is not documented`);
    assert.equal(method, entry.method, `${operationId}: method`);
    called.add(operationId);
    const text = await res.text();
    const documented = entry.op.responses[String(res.status)];
    assert.ok(documented && res.status < 300, `${operationId}: ${entry.method} ${path} answered ${res.status}, not a documented success: ${text.slice(0, 500)}`);
    if (!documented.content) {
      assert.equal(text, "", `${operationId}: a ${res.status} without a documented body has none`);
      return null;
    }
    const [mediaType, { schema }] = Object.entries(documented.content)[0]!;
    assert.equal(res.headers.get("content-type")?.split(";")[0], mediaType, `${operationId}: content type`);
    if (mediaType !== "application/json") return text;
    const body = JSON.parse(text);
    let validate = validators.get(schema);
    if (!validate) validators.set(schema, (validate = ajv.compile(schema)));
    assert.ok(validate(body), `${operationId} ${res.status}: the body does not match its schema: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 1000)}`);
    return body;
  }
  const post = (body?: unknown): RequestInit => ({ method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  await call("healthz", "/healthz");
  await call("readyz", "/readyz");
  await call("metrics", "/metrics");
  await call("openapi", "/v1/openapi.json", { token: null });
  await call("deviceCa", "/v1/device-ca", { token: null });
  await call("whoami", "/v1/whoami");

  // An agent enrolls, connects, reports and answers refreshes: the device every device route reads.
  const enrolled = await enrollRequest(t.connector.url, t.enrollToken, { hostname: "synthetic-openapi-host", username: "dana" });
  const { deviceId } = (await verify("enroll", "POST", "/v1/enroll", enrolled)) as { deviceId: string };
  device = { deviceId, keys: enrolled.keys };
  agent = await ProtocolClient.connect(t.connector.agentUrl);
  await agent.authenticate(device);
  assert.equal((await agent.sendSnapshot(device, { seq: 1, facts: sampleFacts() })).type, "ack");
  let seq = 1;
  agent.ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as ConnectorFrame;
    if (frame.type === "refresh") agent.sendJson(agent.snapshotFrame(device, { seq: ++seq, requestId: frame.requestId }));
  });

  const enrollToken = await call("createEnrollToken", "/v1/tokens/enroll", post({ label: "synthetic", max_uses: 5, user: "erin" }));
  await call("listEnrollTokens", "/v1/tokens/enroll");
  await call("revokeEnrollToken", `/v1/tokens/enroll/${enrollToken.id}/revoke`, post());
  const apiToken = await call("createApiToken", "/v1/tokens/api", post({ name: "synthetic", scopes: ["devices:read"] }));
  await call("listApiTokens", "/v1/tokens/api");
  await call("revokeApiToken", `/v1/tokens/api/${apiToken.id}/revoke`, post());

  const policy = await call("createPolicy", "/v1/device-assurances", post({ name: "synthetic linux", platform: "LINUX", firewallEnabled: true, osVersion: { minimum: "1.0" } }));
  await call("listPolicies", "/v1/device-assurances");
  await call("getPolicy", `/v1/device-assurances/${policy.id}`);
  await call("replacePolicy", `/v1/device-assurances/${policy.id}`, { method: "PUT", body: JSON.stringify({ name: "synthetic linux", platform: "LINUX", firewallEnabled: false }) });

  await call("listDevices", "/v1/devices");
  await call("listDevices", "/v1/devices?view=facet&include_revoked=true");
  await call("getDevice", `/v1/devices/${deviceId}`);
  await call("getDevice", `/v1/devices/${deviceId}?view=facet`);
  await call("refreshDevice", `/v1/devices/${deviceId}/refresh?wait=10`, post());
  await call("refreshDevice", `/v1/devices/${deviceId}/refresh?wait=0`, post());
  await call("assignUser", `/v1/devices/${deviceId}/users`, post({ username: "frank" }));
  await call("assignUser", `/v1/devices/${deviceId}/users`, post({ username: "frank" }));
  await call("deviceUsers", `/v1/devices/${deviceId}/users`);
  await call("evaluateDevice", `/v1/devices/${deviceId}/evaluate`, post({ policies: [policy.id] }));
  await call("evaluateDevice", `/v1/devices/${deviceId}/evaluate`, post());
  await call("deviceCompliance", `/v1/devices/${deviceId}/compliance`);
  await call("endpointCheck", "/v1/endpoint/check", post({ mode: "lookup", device: deviceId, policies: [policy.id] }));
  await call("endpointCheck", "/v1/endpoint/check", post({ mode: "lookup", username: "frank", policies: [policy.id], rule: "all" }));
  await call("endpointCheck", "/v1/endpoint/check", post({ mode: "required", policies: [policy.id] }));
  await call("unassignUser", `/v1/devices/${deviceId}/users/frank`, { method: "DELETE" });

  const catalog = await call("getOsCatalog", "/v1/os-catalog");
  await call("updateOsCatalog", "/v1/os-catalog/update", post());
  await call("importOsCatalog", "/v1/os-catalog", { method: "PUT", body: JSON.stringify(catalog.catalog) });

  await call("fleetListHosts", "/api/v1/fleet/hosts?populate_software=true&populate_users=true&populate_policies=true&device_mapping=true");
  await call("fleetListHosts", "/api/v1/fleet/hosts?page=5");
  await call("fleetGetHost", `/api/v1/fleet/hosts/identifier/${deviceId}`);
  await call("fleetCaProfile", "/api/v1/fleet/conditional_access/idp/apple/profile");
  await call("fleetSigningCert", "/api/v1/fleet/conditional_access/idp/signing_cert");

  await call("listEvents", "/v1/events?order=newest&limit=500");
  await call("deletePolicy", `/v1/device-assurances/${policy.id}`, { method: "DELETE" });
  await call("revokeDevice", `/v1/devices/${deviceId}/revoke`, post());

  assert.deepEqual([...byId.keys()].filter((id) => !called.has(id)).sort(), [], "documented routes this test did not call");
});

test("each route demands the scope its document names, and no other", async () => {
  const issue = async (scopes: Scope[]) => (await issueApiToken(t.connector.store, { name: "synthetic scope probe", scopes }, Date.now())).secret;
  const unprivileged = SCOPES.filter((s) => s !== "admin");
  const wrong: string[] = [];
  for (const { method, path, op } of operations()) {
    // Unknown ids: whatever the route does next (404, 400 for the missing body), it is past authorization.
    const url = path.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000");
    const status = async (token: string | null) => (await t.api(url, { method, token })).status;
    const scope = op["x-facet-scope"];
    if (op.security.length === 0) {
      if ([401, 403].includes(await status(null))) wrong.push(`${method} ${path}: documented without auth, refused without a token`);
    } else if (scope === undefined) {
      if ((await status(null)) !== 401) wrong.push(`${method} ${path}: documented as needing a token, served without one`);
      if ([401, 403].includes(await status(await issue(["events:read"])))) wrong.push(`${method} ${path}: documented for any token, refused one`);
    } else {
      if ([401, 403].includes(await status(await issue([scope])))) wrong.push(`${method} ${path}: refused a token with its documented scope ${scope}`);
      if ((await status(await issue(unprivileged.filter((s) => s !== scope)))) !== 403) wrong.push(`${method} ${path}: served a token with every scope but ${scope}`);
    }
  }
  assert.deepEqual(wrong, []);
});
