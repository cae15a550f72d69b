/** The REST API over real HTTP: enroll, device views, refresh-and-wait, events, tokens, auth. */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { startTestConnector, TEST_STORE, type TestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollRequest, enrollTestDevice } from "../support/protocol-client.ts";
import { generateKeyPair } from "../../shared/signing/sign.ts";
import { issueApiToken, issueEnrollToken } from "../../connector/tokens/issue.ts";
import { sampleFacts, uniqueFacts, SAMPLE_UNKNOWN } from "../support/facts.ts";
import type { ConnectorFrame } from "../../shared/protocol/messages.ts";
import { AuthentikFactsSchema } from "../../shared/facts/authentik.ts";
import { toAuthentikView } from "../../shared/facts/authentik-view.ts";
import { FactsSchema } from "../../shared/facts/schema.ts";

let t: TestConnector;
let clock = Date.now();
const now = () => clock;

before(async () => {
  t = await startTestConnector({ now, limits: { maxBodyBytes: 4096 } });
});
after(async () => t.stop());

describe("enrollment", () => {
  test("returns a device id and the agent path for a valid token and proof of possession", async () => {
    const res = await enrollRequest(t.connector.url, t.enrollToken, { hostname: "laptop-7", username: "carol" });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { deviceId: string; agentPath: string };
    assert.equal(body.agentPath, "/v1/agent");
    const device = await t.connector.store.getDevice(body.deviceId);
    assert.equal(device?.publicKey, Buffer.from(res.keys.publicKey).toString("base64"));
    assert.equal(device?.username, "carol");
  });

  test("refuses a proof signed by another key, and writes no device", async () => {
    const before = (await t.connector.store.counts()).devices;
    const res = await enrollRequest(t.connector.url, t.enrollToken, { signWith: generateKeyPair() });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "bad_signature");
    assert.equal((await t.connector.store.counts()).devices, before);
  });

  test("refuses an expired token", async () => {
    const { secret } = await issueEnrollToken(t.connector.store, { expiresAt: clock + 60_000 }, clock);
    clock += 61_000;
    const before = await t.connector.store.counts();
    const res = await enrollRequest(t.connector.url, secret);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "expired_token");
    const afterCounts = await t.connector.store.counts();
    assert.equal(afterCounts.devices, before.devices);
    const events = await t.connector.store.listEvents({ types: ["enroll.rejected"], limit: 100 });
    assert.ok(events.some((e) => e.data.code === "expired_token"));
  });

  test("refuses a used-up token after its last use, counting uses exactly", async () => {
    const { secret, token } = await issueEnrollToken(t.connector.store, { maxUses: 2 }, clock);
    assert.equal((await enrollRequest(t.connector.url, secret)).status, 201);
    assert.equal((await enrollRequest(t.connector.url, secret)).status, 201);
    const before = await t.connector.store.counts();
    const res = await enrollRequest(t.connector.url, secret);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "used_up_token");
    assert.equal((await t.connector.store.counts()).devices, before.devices);
    assert.equal((await t.connector.store.listEnrollTokens()).find((x) => x.id === token.id)?.uses, 2);
  });

  test("refuses an unknown token and a malformed request with the error shape", async () => {
    const res = await enrollRequest(t.connector.url, "fce_not-a-real-token-at-all");
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: { code: "unknown_token", message: "the enrollment token is not known" } });
    const bad = await fetch(`${t.connector.url}/v1/enroll`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, "bad_request");
  });

  test("refuses a public key already enrolled to a live device with 409 key_in_use, counting no token use", async () => {
    const { secret, token } = await issueEnrollToken(t.connector.store, { maxUses: 5 }, clock);
    const first = await enrollRequest(t.connector.url, secret, { hostname: "original" });
    assert.equal(first.status, 201);
    const { deviceId } = (await first.json()) as { deviceId: string };
    const before = await t.connector.store.counts();
    // A cloned VM or copied state dir presents the very same key (and a valid proof for it).
    const clone = await enrollRequest(t.connector.url, secret, { hostname: "clone", keys: first.keys });
    assert.equal(clone.status, 409);
    const body = (await clone.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "key_in_use");
    assert.match(body.error.message, /new key/);
    assert.equal(body.error.message.includes(deviceId), false, "the clone does not learn the device id");
    assert.equal((await t.connector.store.counts()).devices, before.devices);
    assert.equal((await t.connector.store.listEnrollTokens()).find((x) => x.id === token.id)?.uses, 1);
    const events = await t.connector.store.listEvents({ types: ["enroll.rejected"], limit: 1000 });
    assert.ok(events.some((e) => e.data.code === "key_in_use" && e.data.hostname === "clone"));
  });

  test("refuses the key of a revoked device with 409 key_revoked", async () => {
    const { secret } = await issueEnrollToken(t.connector.store, { maxUses: 5 }, clock);
    const first = await enrollRequest(t.connector.url, secret);
    const { deviceId } = (await first.json()) as { deviceId: string };
    assert.equal(await t.connector.store.revokeDevice(deviceId, clock), true);
    const again = await enrollRequest(t.connector.url, secret, { keys: first.keys });
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { error: { code: string } }).error.code, "key_revoked");
    assert.equal((await enrollRequest(t.connector.url, secret)).status, 201, "a fresh key still enrolls");
  });

  test("refuses a body over the size limit with 413", async () => {
    const res = await fetch(`${t.connector.url}/v1/enroll`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: "x".repeat(5000) }) });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "payload_too_large");
  });

  test("reads and limits chunked bodies (no Content-Length) the same way", async () => {
    const chunked = (body: string) =>
      new Promise<{ status: number; code: string }>((resolve, reject) => {
        const req = request(`${t.connector.url}/v1/enroll`, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode!, code: (JSON.parse(text) as { error: { code: string } }).error.code }));
        });
        req.on("error", reject);
        for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
        req.end();
      });
    assert.deepEqual(await chunked(JSON.stringify({ token: "x".repeat(5000) })), { status: 413, code: "payload_too_large" });
    assert.deepEqual(await chunked("{not json"), { status: 400, code: "bad_request" });
  });
});

describe("API authentication", () => {
  test("answers 401 with WWW-Authenticate without a token or with an unknown one", async () => {
    const none = await t.api("/v1/devices", { token: null });
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer realm="facet"/);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, "unauthorized");
    const wrong = await t.api("/v1/devices", { token: "fct_" + "A".repeat(43) });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
  });

  test("answers 403 when the token lacks the scope, and 200 when it has it", async () => {
    const { secret } = await issueApiToken(t.connector.store, { name: "reader", scopes: ["devices:read"] }, clock);
    assert.equal((await t.api("/v1/devices", { token: secret })).status, 200);
    const events = await t.api("/v1/events", { token: secret });
    assert.equal(events.status, 403);
    assert.match(events.headers.get("www-authenticate") ?? "", /insufficient_scope/);
    const mint = await t.api("/v1/tokens/api", { token: secret, method: "POST", body: JSON.stringify({ name: "x", scopes: ["admin"] }) });
    assert.equal(mint.status, 403);
  });

  test("a token cannot mint a token with scopes it does not hold", async () => {
    const { secret } = await issueApiToken(t.connector.store, { name: "minter", scopes: ["tokens:write", "devices:read"] }, clock);
    const escalate = await t.api("/v1/tokens/api", { token: secret, method: "POST", body: JSON.stringify({ name: "x", scopes: ["devices:write"] }) });
    assert.equal(escalate.status, 403);
    const ok = await t.api("/v1/tokens/api", { token: secret, method: "POST", body: JSON.stringify({ name: "x", scopes: ["devices:read"] }) });
    assert.equal(ok.status, 201);
  });

  test("a revoked API token stops working", async () => {
    const created = (await (await t.api("/v1/tokens/api", { method: "POST", body: JSON.stringify({ name: "short-lived", scopes: ["devices:read"] }) })).json()) as { id: string; token: string };
    assert.equal((await t.api("/v1/devices", { token: created.token })).status, 200);
    assert.equal((await t.api(`/v1/tokens/api/${created.id}/revoke`, { method: "POST" })).status, 200);
    assert.equal((await t.api("/v1/devices", { token: created.token })).status, 401);
  });

  test("stores tokens only as hashes: no raw secret appears in the database files", {
    skip: TEST_STORE === "postgres" ? "reads the SQLite files; hashing happens above the store, so one backend proves it" : false,
  }, async () => {
    const created = (await (await t.api("/v1/tokens/enroll", { method: "POST", body: JSON.stringify({ max_uses: 1 }) })).json()) as { token: string };
    const api = (await (await t.api("/v1/tokens/api", { method: "POST", body: JSON.stringify({ name: "h", scopes: ["devices:read"] }) })).json()) as { token: string };
    const files = [t.databasePath, `${t.databasePath}-wal`].map((p) => {
      try {
        return readFileSync(p).toString("latin1");
      } catch {
        return "";
      }
    });
    const blob = files.join("");
    assert.ok(blob.length > 0);
    for (const secret of [created.token, api.token, t.adminToken, t.enrollToken]) {
      assert.equal(blob.includes(secret), false, "raw token found in the database");
      assert.equal(blob.includes(secret.slice(4)), false, "raw token body found in the database");
    }
  });
});

describe("devices", () => {
  test("shows a device exactly in the endpoint-stage shape, with facts and their expiry", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken, { hostname: "ws-42" });
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    await client.authenticate(device);
    const collectedAt = new Date(clock - 1000).toISOString();
    assert.equal((await client.sendSnapshot(device, { seq: 1, collectedAt })).type, "ack");
    const res = await t.api(`/v1/devices/${device.deviceId}`);
    assert.equal(res.status, 200);
    const view = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(view).sort(), ["cached_facts", "connected", "id", "identifier", "last_seen", "manufacturer", "model", "name", "platform"]);
    assert.equal(view.id, device.deviceId);
    assert.equal(view.identifier, "PF3ABCDE");
    assert.equal(view.manufacturer, "LENOVO");
    assert.equal(view.model, "ThinkPad T14");
    assert.equal(view.platform, "linux");
    assert.equal(view.name, "ws-42");
    assert.equal(view.connected, true);
    assert.equal(view.last_seen, new Date(clock).toISOString());
    const when = { created: collectedAt, expires: new Date(Date.parse(collectedAt) + 24 * 3600_000).toISOString() };
    // authentik's view by default: unknown facts left out rather than null, so authentik accepts it.
    assert.deepEqual(view.cached_facts, { data: toAuthentikView(sampleFacts(), SAMPLE_UNKNOWN).data, unknown: SAMPLE_UNKNOWN, ...when });
    assert.equal(AuthentikFactsSchema.safeParse((view.cached_facts as { data: unknown }).data).success, true);
    assert.equal(FactsSchema.safeParse((view.cached_facts as { data: unknown }).data).success, false, "not Facet's document: its nulls are gone");
    // Facet's own clients ask for the document as signed, nulls and all.
    const full = (await (await t.api(`/v1/devices/${device.deviceId}?view=facet`)).json()) as Record<string, unknown>;
    assert.deepEqual(full.cached_facts, { data: sampleFacts(), unknown: SAMPLE_UNKNOWN, ...when });
    assert.equal((await t.api(`/v1/devices/${device.deviceId}?view=okta`)).status, 400);
    client.close();
    await client.closed;
    // Presence follows the socket.
    for (let i = 0; i < 50 && t.connector.hub.isConnected(device.deviceId); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(((await (await t.api(`/v1/devices/${device.deviceId}`)).json()) as { connected: boolean }).connected, false);
  });

  test("answers 404 with the error shape for an unknown device", async () => {
    const res = await t.api("/v1/devices/nope");
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "not_found");
  });

  test("filters the list by serial, hostname, user and platform and pages with a cursor", async () => {
    const serial = `SER-${Math.random().toString(36).slice(2, 8)}`;
    const made = [];
    for (let i = 0; i < 3; i++) {
      const d = await enrollTestDevice(t.connector.url, t.enrollToken);
      const c = await ProtocolClient.connect(t.connector.agentUrl);
      await c.authenticate(d);
      const facts = sampleFacts({
        hardware: { ...sampleFacts().hardware!, serial: `${serial}-${i}`, machine_id: null, uuid: null },
        network: { hostname: `filter-host-${i}`, firewall_enabled: null, interfaces: [] },
        users: [{ id: "1", username: `filter-user-${i}`, name: null, home: null }],
      });
      assert.equal((await c.sendSnapshot(d, { seq: 1, facts })).type, "ack");
      c.close();
      made.push(d.deviceId);
    }
    const get = async (q: string) => (await (await t.api(`/v1/devices?${q}`)).json()) as { devices: { id: string }[]; next_cursor: string | null };
    assert.deepEqual((await get(`serial=${serial}-1`)).devices.map((d) => d.id), [made[1]]);
    assert.deepEqual((await get("hostname=filter-host-2")).devices.map((d) => d.id), [made[2]]);
    assert.deepEqual((await get("claimed_user=filter-user-0")).devices.map((d) => d.id), [made[0]], "users the device reports are claims");
    assert.deepEqual((await get("user=filter-user-0")).devices, [], "bound users come only from an authority");
    assert.equal((await t.api(`/v1/devices/${made[0]}/users`, { method: "POST", body: JSON.stringify({ username: "filter-user-0" }) })).status, 201);
    assert.deepEqual((await get("user=filter-user-0")).devices.map((d) => d.id), [made[0]]);
    // Walk every page of two; each device appears once, in id order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`platform=linux&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      assert.ok(page.devices.length <= 2);
      seen.push(...page.devices.map((d) => d.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal(new Set(seen).size, seen.length);
    for (const id of made) assert.ok(seen.includes(id));
    assert.equal((await t.api("/v1/devices?limit=0")).status, 400);

    // A list carries summaries, not facts documents; view=authentik|facet pages whole DeviceViews.
    const summary = (await get(`serial=${serial}-1`)).devices[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(summary).sort(), ["connected", "enrolled_at", "hostname", "id", "identifier", "last_seen", "manufacturer", "model", "name", "platform", "revoked_at", "user"]);
    assert.equal(summary.hostname, "filter-host-1");
    const full = (await get(`serial=${serial}-1&view=facet`)).devices[0] as Record<string, unknown>;
    assert.ok(full.cached_facts && typeof full.cached_facts === "object", "view=facet has the facts");
    assert.ok(JSON.stringify(summary).length < JSON.stringify(full).length / 3);
    assert.equal((await t.api("/v1/devices?view=everything")).status, 400);
  });
});

describe("refresh", () => {
  async function agentAnsweringRefresh(answer: boolean) {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    await client.authenticate(device);
    assert.equal((await client.sendSnapshot(device, { seq: 1, facts: sampleFacts({ network: { hostname: "before", firewall_enabled: null, interfaces: [] } }) })).type, "ack");
    if (answer) {
      client.ws.on("message", (data) => {
        const frame = JSON.parse(data.toString()) as ConnectorFrame;
        if (frame.type !== "refresh") return;
        client.sendJson(client.snapshotFrame(device, { seq: 2, requestId: frame.requestId, facts: sampleFacts({ network: { hostname: "after", firewall_enabled: null, interfaces: [] } }) }));
      });
    }
    return { device, client };
  }

  test("asks the connected agent and returns its fresh facts (200)", async () => {
    const { device, client } = await agentAnsweringRefresh(true);
    const res = await t.api(`/v1/devices/${device.deviceId}/refresh?wait=5`, { method: "POST" });
    assert.equal(res.status, 200);
    const view = (await res.json()) as { cached_facts: { data: { network: { hostname: string } } } };
    assert.equal(view.cached_facts.data.network.hostname, "after");
    assert.equal((await t.connector.store.latestSnapshot(device.deviceId))?.seq, 2);
    client.close();
  });

  test("answers 504 with a clear body when the agent does not answer in time, and keeps the cache", async () => {
    const { device, client } = await agentAnsweringRefresh(false);
    const res = await t.api(`/v1/devices/${device.deviceId}/refresh?wait=0.3`, { method: "POST" });
    assert.equal(res.status, 504);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "refresh_timeout");
    assert.match(body.error.message, /did not send fresh facts/);
    assert.equal((await t.connector.store.latestSnapshot(device.deviceId))?.seq, 1);
    client.close();
  });

  test("answers 409 when the agent is not connected", async () => {
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const res = await t.api(`/v1/devices/${device.deviceId}/refresh?wait=2`, { method: "POST" });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "not_connected");
  });
});

describe("events", () => {
  test("lists enrollments, accepted and rejected snapshots, revocations and token changes, filtered by type and time", async () => {
    const since = clock;
    const device = await enrollTestDevice(t.connector.url, t.enrollToken);
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    await client.authenticate(device);
    const facts = uniqueFacts();
    await client.sendSnapshot(device, { seq: 1, facts });
    await client.sendSnapshot(device, { seq: 1, facts });
    await t.api(`/v1/devices/${device.deviceId}/revoke`, { method: "POST" });
    const res = await t.api(`/v1/events?device=${device.deviceId}&since=${new Date(since).toISOString()}`);
    const { events } = (await res.json()) as { events: { type: string; data: { code?: string } }[] };
    assert.deepEqual(events.map((e) => e.type), ["device.enrolled", "snapshot.accepted", "snapshot.rejected", "device.revoked"]);
    assert.equal(events[2]?.data.code, "replayed_seq");
    const prefixed = (await (await t.api(`/v1/events?type=device.*&device=${device.deviceId}`)).json()) as { events: { type: string }[] };
    assert.deepEqual(prefixed.events.map((e) => e.type), ["device.enrolled", "device.revoked"]);
    const tokenEvents = (await (await t.api("/v1/events?type=token.created,token.revoked")).json()) as { events: { type: string }[] };
    assert.ok(tokenEvents.events.length > 0);
    assert.equal((await t.api("/v1/events?since=yesterday")).status, 400);

    // order=newest pages backwards: the newest first, next_cursor continues with older ones.
    type Page = { events: { type: string }[]; next_cursor: number | null };
    const first = (await (await t.api(`/v1/events?device=${device.deviceId}&order=newest&limit=3`)).json()) as Page;
    assert.deepEqual(first.events.map((e) => e.type), ["device.revoked", "snapshot.rejected", "snapshot.accepted"]);
    const second = (await (await t.api(`/v1/events?device=${device.deviceId}&order=newest&limit=3&cursor=${first.next_cursor}`)).json()) as Page;
    assert.deepEqual([second.events.map((e) => e.type), second.next_cursor], [["device.enrolled"], null]);
  });
});
