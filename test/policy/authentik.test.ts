/**
 * docs/integrations/authentik.md's expression policy, run verbatim (only its placeholder values
 * swapped, as an admin pasting it would) by python3 with `requests`, in a harness that provides
 * what authentik provides (authentik/doc-policy.ts). The browser end to end, with a real client
 * certificate through a real proxy, is test/e2e/browser-certificate.test.ts.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { linuxFacts, macFacts } from "../../connector/policy/testing/fixtures.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "./live.ts";
import { runDocPolicy } from "./authentik/doc-policy.ts";

let t: LivePolicyConnector;
let dir: string;
let token: string;
let macPolicy: string;

function runPolicy(context: Record<string, unknown>, options: { url?: string; policies?: string[]; meta?: Record<string, string> } = {}) {
  return runDocPolicy(dir, { url: options.url ?? t.connector.url, token, policies: options.policies ?? [macPolicy] }, context, options.meta);
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
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

describe("the authentik expression policy from the docs", () => {
  test("passes a healthy device found by the pending user's name, with no messages", async () => {
    const facts = macFacts({ users: [{ id: "501", username: "ada", name: "Ada", home: "/Users/ada" }] });
    await t.pushDevice(facts, { answerRefreshWith: facts });
    const result = await runPolicy({ pending_user: { username: "ada" } });
    assert.deepEqual(result, { passing: true, messages: [] });
  });

  test("denies an unpatched device and hands Facet's reason to ak_message", async () => {
    const facts = macFacts({ os: { version: "15.7.1" }, users: [{ id: "501", username: "grace", name: null, home: "/Users/grace" }] });
    await t.pushDevice(facts, { answerRefreshWith: facts });
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
    await t.pushDevice(macFacts({ disks: [{ name: "disk3s1", mountpoint: "/", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: false, internal: true }], users: [{ id: "501", username: "silent", name: null, home: "/Users/silent" }] }));
    const result = await runPolicy({ pending_user: { username: "silent" } });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /Not encrypted: \/\. Turn on FileVault/);
    assert.match(result.messages[1]!, /Fresh facts could not be collected from this device \(timeout\)/);
  });

  test("denies a user with no enrolled device, saying why", async () => {
    const result = await runPolicy({ pending_user: { username: "no-device-user" } });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /No enrolled device/);
  });

  test("denies a device for which no policy applies", async () => {
    await t.pushDevice(linuxFacts({ users: [{ id: "1000", username: "linus", name: null, home: "/home/linus" }] }));
    const result = await runPolicy({ pending_user: { username: "linus" } });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /No device policy applies/);
  });

  test("fails closed with a message when the connector is unreachable", async () => {
    const result = await runPolicy({ pending_user: { username: "ada" } }, { url: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /unavailable/);
  });

  test("fails closed with the connector's reason on an API error", async () => {
    const result = await runPolicy({ pending_user: { username: "ada" } }, { policies: ["daeDeletedPolicy"] });
    assert.equal(result.passing, false);
    assert.match(result.messages[0]!, /The device check failed: unknown device assurance policy/);
  });
});
