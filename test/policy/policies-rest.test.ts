/** The device assurance REST API over real HTTP: Okta-shaped CRUD, validation, scopes, events, the OS catalog. */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "../support/live-policy-connector.ts";
import { TEST_CATALOG } from "../support/policy/fixtures.ts";

let t: LivePolicyConnector;
before(async () => {
  t = await startLivePolicyConnector();
});
after(async () => t.stop());

const oktaExample = {
  name: "Device assurance macOS",
  platform: "MACOS",
  osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } },
  diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] },
  screenLockType: { include: ["PASSCODE", "BIOMETRIC"] },
  secureHardwarePresent: true,
};

describe("device assurance policies over REST", () => {
  test("creates a policy as Okta's docs write it and returns it with id, dates and version", async () => {
    const created = await t.json("/v1/device-assurances", { method: "POST", body: JSON.stringify(oktaExample) });
    assert.equal(created.status, 200);
    assert.match(created.body.id, /^dae[0-9A-Za-z]{17}$/);
    assert.equal(created.body.version, 1);
    assert.deepEqual(created.body.osVersion, oktaExample.osVersion);
    assert.equal(created.body.createdDate, new Date(t.clock.now).toISOString());
    const read = await t.json(`/v1/device-assurances/${created.body.id}`);
    assert.deepEqual(read.body, created.body);
    const list = await t.json("/v1/device-assurances");
    assert.ok(list.body.some((p: { id: string }) => p.id === created.body.id));
  });

  test("PUT replaces the whole policy: fields left out are gone; GET → edit → PUT round-trips", async () => {
    const id = await t.createPolicy(oktaExample);
    const current = (await t.json(`/v1/device-assurances/${id}`)).body;
    t.clock.now += 1000;
    const replaced = await t.json(`/v1/device-assurances/${id}`, {
      method: "PUT",
      body: JSON.stringify({ ...current, secureHardwarePresent: undefined, gracePeriod: { type: "BY_DURATION", expiry: "P30D" }, displayRemediationMode: "SHOW" }),
    });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.version, 2);
    assert.equal(replaced.body.secureHardwarePresent, undefined);
    assert.deepEqual(replaced.body.gracePeriod, { type: "BY_DURATION", expiry: "P30D" });
    assert.notEqual(replaced.body.lastUpdate, replaced.body.createdDate);

    const events = await t.json(`/v1/events?filter=${encodeURIComponent('event_type eq "device.assurance.policy.update"')}`);
    const update = events.body.events.find((e: { data: { id: string } }) => e.data.id === id);
    assert.deepEqual(update.data.changed, ["displayRemediationMode", "gracePeriod", "secureHardwarePresent"]);
    assert.deepEqual(update.data.before, { displayRemediationMode: null, gracePeriod: null, secureHardwarePresent: true });
    assert.deepEqual(update.data.after.gracePeriod, { type: "BY_DURATION", expiry: "P30D" });
  });

  test("DELETE removes it (204), then it is 404 everywhere; each change is an event", async () => {
    const id = await t.createPolicy({ name: "to delete", platform: "LINUX", firewallEnabled: true });
    assert.equal((await t.api(`/v1/device-assurances/${id}`, { method: "DELETE" })).status, 204);
    assert.equal((await t.api(`/v1/device-assurances/${id}`)).status, 404);
    assert.equal((await t.api(`/v1/device-assurances/${id}`, { method: "DELETE" })).status, 404);
    assert.equal((await t.api(`/v1/device-assurances/${id}`, { method: "PUT", body: JSON.stringify({ name: "x", platform: "LINUX" }) })).status, 404);
    const filter = `(event_type eq "device.assurance.policy.add" or event_type eq "device.assurance.policy.delete")`;
    const events = (await t.json(`/v1/events?filter=${encodeURIComponent(filter)}`)).body.events.filter((e: { data: { id: string } }) => e.data.id === id);
    assert.deepEqual(events.map((e: { type: string }) => e.type), ["device.assurance.policy.add", "device.assurance.policy.delete"]);
  });

  test("an invalid policy is a 400 listing each issue by path, and nothing is stored", async () => {
    const before = (await t.connector.store.listPolicies()).length;
    const res = await t.json("/v1/device-assurances", {
      method: "POST",
      body: JSON.stringify({ name: "bad", platform: "MACOS", osVersion: { minimum: "14.0", dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", distanceFromLatestMajor: 1 } } }),
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "invalid_policy");
    assert.deepEqual(res.body.error.issues.map((i: { path: string }) => i.path).sort(), ["osVersion", "osVersion.dynamicVersionRequirement.distanceFromLatestMajor"]);
    assert.equal((await t.connector.store.listPolicies()).length, before);
    assert.equal((await t.api("/v1/device-assurances", { method: "POST", body: "{not json" })).status, 400);
  });

  test("a mobile platform is a 400 saying there is no agent for it", async () => {
    const res = await t.json("/v1/device-assurances", { method: "POST", body: JSON.stringify({ name: "Device assurance iOS", platform: "IOS", jailbreak: false }) });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "unsupported_platform");
    assert.match(res.body.error.message, /no agent for this platform: IOS/);
  });

  test("reading needs policies:read, writing policies:write", async () => {
    const reader = await issueApiToken(t.connector.store, { name: "reader", scopes: ["policies:read"] }, t.clock.now);
    assert.equal((await t.api("/v1/device-assurances", { token: reader.secret })).status, 200);
    assert.equal((await t.api("/v1/device-assurances", { method: "POST", token: reader.secret, body: JSON.stringify(oktaExample) })).status, 403);
    assert.equal((await t.api("/v1/device-assurances", { token: null })).status, 401);
  });

  test("the events filter rejects what it cannot express, clearly", async () => {
    const res = await t.json(`/v1/events?filter=${encodeURIComponent('severity eq "WARN"')}`);
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /unsupported condition: severity eq/);
    const prefix = await t.json(`/v1/events?filter=${encodeURIComponent('event_type sw "device.assurance.policy."')}`);
    assert.equal(prefix.status, 200);
    assert.ok(prefix.body.events.length > 0 && prefix.body.events.every((e: { type: string }) => e.type.startsWith("device.assurance.policy.")));
  });
});

describe("the OS release catalog", () => {
  test("serves the bundled catalog until one is imported", async () => {
    const res = await t.json("/v1/os-catalog");
    assert.equal(res.body.source, "bundled");
    assert.equal(res.body.catalog.version, TEST_CATALOG.version);
  });

  test("imports a newer catalog, refuses an older or invalid one", async () => {
    const newer = { ...structuredClone(TEST_CATALOG), version: "2099.1.1" };
    newer.macos[0]!.latest = "26.9";
    const ok = await t.json("/v1/os-catalog", { method: "PUT", body: JSON.stringify(newer) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await t.json("/v1/os-catalog")).body.catalog.macos[0].latest, "26.9");
    const older = await t.json("/v1/os-catalog", { method: "PUT", body: JSON.stringify(TEST_CATALOG) });
    assert.equal(older.status, 409);
    const invalid = await t.json("/v1/os-catalog", { method: "PUT", body: JSON.stringify({ ...newer, version: "2100.1.1", macos: [] }) });
    assert.equal(invalid.status, 400);
    assert.equal((await t.json("/v1/os-catalog")).body.catalog.version, "2099.1.1");
  });
});
