/**
 * docs/integrations/authentik.md's expression policy, run verbatim (only its placeholder values
 * swapped, as an admin pasting it would) by python3 with `requests`, in a harness that provides
 * what authentik provides (authentik/doc-policy.ts). The browser end to end, with a real client
 * certificate through a real proxy, is test/e2e/browser-certificate.test.ts.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { linuxFacts, macFacts } from "../support/policy/fixtures.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "../support/live-policy-connector.ts";
import { runDocPolicy } from "../support/authentik/doc-policy.ts";
import { makeCa, makeLeaf } from "../support/test-certs.ts";
import { unusedPort } from "../support/ports.ts";

let t: LivePolicyConnector;
let dir: string;
let token: string;
let macPolicy: string;

type Mode = "required" | "optional" | "lookup";

function runPolicy(context: Record<string, unknown>, options: { url?: string; policies?: string[]; meta?: Record<string, string>; mode?: Mode } = {}) {
  return runDocPolicy(dir, { url: options.url ?? t.connector.url, token, policies: options.policies ?? [macPolicy], mode: options.mode ?? "lookup" }, context, options.meta);
}

/** An admin binds the device to the user: the only kind of binding these tests need (the facts' users are claims). */
async function bind(deviceId: string, username: string): Promise<void> {
  const res = await t.json(`/v1/devices/${deviceId}/users`, { method: "POST", body: JSON.stringify({ username }) });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
}

before(async () => {
  t = await startLivePolicyConnector();
  dir = mkdtempSync(join(tmpdir(), "facet-authentik-"));
  token = (await issueApiToken(t.connector.store, { name: "authentik", scopes: ["endpoint:check"] }, t.clock.now)).secret;
  macPolicy = await t.createPolicy({
    name: "macOS baseline",
    platform: "MACOS",
    osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } },
    diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] },
  });
});
after(async () => {
  await t.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the authentik expression policy from the docs, mode required (the doc's default)", () => {
  test("refuses a browser that presented no certificate, telling the user why", async () => {
    const facts = macFacts({ users: [] });
    const device = await t.pushDevice(facts, { answerRefreshWith: facts });
    await bind(device.deviceId, "cert-less");
    const result = await runPolicy({ pending_user: { username: "cert-less" } }, { mode: "required", meta: { REQUEST_METHOD: "GET" } });
    assert.equal(result.passing, false);
    assert.match(result.messages.join(" "), /did not identify a company device/);
  });

  test("passes the proxy's header to the connector as clientCertificate: one Facet did not issue is refused, saying so", async () => {
    const stranger = await makeLeaf(await makeCa("Synthetic other CA"), { subject: "not a Facet device", uris: ["urn:facet:device:stranger"], usage: "client" });
    const result = await runPolicy({ pending_user: { username: "ada" } }, { mode: "required", meta: { HTTP_X_SSL_CLIENT_CERT: encodeURIComponent(stranger.certPem) } });
    assert.equal(result.passing, false);
    assert.match(result.messages.join(" "), /certificate that does not belong to an enrolled device/);
  });
});

describe("the authentik expression policy from the docs, mode lookup (no certificate: the weaker mode)", () => {
  test("passes a healthy device bound to the pending user, with no messages", async () => {
    const facts = macFacts({ users: [{ id: "501", username: "ada", name: "Ada", home: "/Users/ada" }] });
    await bind((await t.pushDevice(facts, { answerRefreshWith: facts })).deviceId, "ada");
    const result = await runPolicy({ pending_user: { username: "ada" } });
    assert.deepEqual(result, { passing: true, messages: [] });
  });

  test("denies an unpatched device and hands Facet's reason to ak_message", async () => {
    const facts = macFacts({ os: { version: "15.7.1" }, users: [{ id: "501", username: "grace", name: null, home: "/Users/grace" }] });
    await bind((await t.pushDevice(facts, { answerRefreshWith: facts })).deviceId, "grace");
    const result = await runPolicy({ pending_user: { username: "grace" } });
    assert.equal(result.passing, false);
    assert.equal(result.messages.length, 1);
    assert.match(result.messages[0]!, /missing the latest security update \(15\.7\.2.*Install macOS 15\.7\.2/);
  });

  test("prefers the device an Endpoint stage put in the flow context (by serial)", async () => {
    await t.pushDevice(macFacts({ hardware: { serial: "C02-FROM-ENDPOINT" }, users: [] }));
    const result = await runPolicy({ pending_user: { username: "nobody-with-devices" }, flow_plan: { context: { device: { identifier: "C02-FROM-ENDPOINT" } } } });
    assert.deepEqual(result, { passing: true, messages: [] });
  });

  test("tells a refused user when their device did not answer the refresh", async () => {
    await bind((await t.pushDevice(macFacts({ disks: [{ name: "disk3s1", mountpoint: "/", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: false, internal: true }], users: [{ id: "501", username: "silent", name: null, home: "/Users/silent" }] }))).deviceId, "silent");
    const result = await runPolicy({ pending_user: { username: "silent" } });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /Not encrypted: \/\. Turn on FileVault/);
    assert.match(result.messages[1]!, /Fresh facts could not be collected from this device; the last reported ones were used/);
  });

  test("a device whose facts merely list the user is not theirs", async () => {
    const facts = macFacts({ users: [{ id: "501", username: "claimed", name: null, home: "/Users/claimed" }] });
    await t.pushDevice(facts, { answerRefreshWith: facts });
    const result = await runPolicy({ pending_user: { username: "claimed" } });
    assert.equal(result.passing, false);
  });

  test("denies a user with no enrolled device, saying why", async () => {
    const result = await runPolicy({ pending_user: { username: "no-device-user" } });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /No enrolled device/);
  });

  test("denies a device for which no policy applies", async () => {
    await bind((await t.pushDevice(linuxFacts({ users: [{ id: "1000", username: "linus", name: null, home: "/home/linus" }] }))).deviceId, "linus");
    const result = await runPolicy({ pending_user: { username: "linus" } });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /No device policy applies/);
  });

  test("fails closed with a message when the connector is unreachable", async () => {
    const result = await runPolicy({ pending_user: { username: "ada" } }, { url: `http://127.0.0.1:${await unusedPort()}` });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /unavailable/);
  });

  test("fails closed with the connector's reason on an API error", async () => {
    const result = await runPolicy({ pending_user: { username: "ada" } }, { policies: ["daeDeletedPolicy"] });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /The device check failed: unknown device assurance policy/);
  });
});
