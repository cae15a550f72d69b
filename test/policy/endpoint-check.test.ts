/** /v1/endpoint/check and /v1/devices/{id}/evaluate behaviours, against a live connector on an injected clock. */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { linuxFacts, macFacts } from "../../connector/policy/testing/fixtures.ts";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "./live.ts";

const DAY = 86_400_000;
let t: LivePolicyConnector;
let firewall: string;
before(async () => {
  t = await startLivePolicyConnector();
  firewall = await t.createPolicy({ name: "Firewall on", platform: "LINUX", firewallEnabled: true });
});
after(async () => t.stop());

const check = (body: Record<string, unknown>, token?: string) => t.json("/v1/endpoint/check", { method: "POST", body: JSON.stringify(body), ...(token ? { token } : {}) });
const user = (username: string) => [{ id: "1000", username, name: null, home: `/home/${username}` }];

describe("identifying the device", () => {
  test("by serial", async () => {
    await t.pushDevice(linuxFacts({ hardware: { serial: "SER-BY-SERIAL" } }));
    const res = await check({ serial: "SER-BY-SERIAL", policies: [firewall] });
    assert.equal(res.body.passing, true);
    assert.equal(res.body.device.identifier, "SER-BY-SERIAL");
  });

  test("by the username bound at enrollment", async () => {
    const d = await t.pushDevice(linuxFacts({ users: [] }), { username: "bound-user" });
    const res = await check({ username: "bound-user", policies: [firewall] });
    assert.equal(res.body.device.id, d.deviceId);
  });

  test("by a username seen in the device's users[]", async () => {
    const d = await t.pushDevice(linuxFacts({ users: user("seen-user") }));
    const res = await check({ username: "seen-user", policies: [firewall] });
    assert.equal(res.body.device.id, d.deviceId);
  });

  test("mode required without a device fails with a message; optional passes", async () => {
    const required = await check({ username: "nobody-here", policies: [firewall], mode: "required" });
    assert.equal(required.status, 200);
    assert.equal(required.body.passing, false);
    assert.equal(required.body.device, null);
    assert.match(required.body.messages[0], /No enrolled device/);
    const optional = await check({ username: "nobody-here", policies: [firewall], mode: "optional" });
    assert.equal(optional.body.passing, true);
  });

  test("a revoked device is never found", async () => {
    const d = await t.pushDevice(linuxFacts({ users: user("revoked-user") }));
    assert.equal((await t.api(`/v1/devices/${d.deviceId}/revoke`, { method: "POST" })).status, 200);
    assert.equal((await check({ username: "revoked-user", policies: [firewall] })).body.device, null);
  });
});

describe("repeated checks never answer from stale state", () => {
  test("a newer snapshot, a changed policy and a revocation each show in the next answer", async () => {
    const offFacts = linuxFacts({ network: { hostname: "linux-test", firewall_enabled: false, interfaces: [] } });
    const d = await t.pushDevice(offFacts);
    const policy = await t.createPolicy({ name: "Firewall, changing", platform: "LINUX", firewallEnabled: true });
    const first = await check({ device: d.deviceId, policies: [policy] });
    assert.equal((await check({ device: d.deviceId, policies: [policy] })).body.passing, first.body.passing, "same answer from the same state");
    assert.equal(first.body.checks.find((c: { check: string }) => c.check === "firewallEnabled").status !== "PASS", true);
    // The device part is what GET /v1/devices/{id} serves, facts included.
    assert.deepEqual(first.body.device, (await t.json(`/v1/devices/${d.deviceId}`)).body);

    await d.push(linuxFacts());
    const newer = await check({ device: d.deviceId, policies: [policy] });
    assert.equal(newer.body.checks.find((c: { check: string }) => c.check === "firewallEnabled").status, "PASS");
    assert.equal(newer.body.device.cached_facts.data.network.firewall_enabled, true);

    await d.push(offFacts);
    assert.equal((await check({ device: d.deviceId, policies: [policy] })).body.device.cached_facts.data.network.firewall_enabled, false);
    const relaxed = await t.json(`/v1/device-assurances/${policy}`, { method: "PUT", body: JSON.stringify({ name: "Firewall, changing", platform: "LINUX" }) });
    assert.equal(relaxed.status, 200);
    const afterChange = await check({ device: d.deviceId, policies: [policy] });
    assert.equal(afterChange.body.checks.some((c: { check: string }) => c.check === "firewallEnabled"), false, "the changed policy is evaluated");

    assert.equal((await t.api(`/v1/devices/${d.deviceId}/revoke`, { method: "POST" })).status, 200);
    assert.equal((await check({ device: d.deviceId, policies: [policy] })).body.device, null);
  });
});

describe("several devices for one user", () => {
  let good: string;
  let bad: string;
  before(async () => {
    good = (await t.pushDevice(linuxFacts({ users: user("two-devices"), network: { hostname: "good-laptop" } }))).deviceId;
    bad = (await t.pushDevice(linuxFacts({ users: user("two-devices"), network: { hostname: "bad-desktop", firewall_enabled: false } }))).deviceId;
  });

  test("rule any passes when one passes, and says which", async () => {
    const res = await check({ username: "two-devices", policies: [firewall], rule: "any" });
    assert.equal(res.body.passing, true);
    assert.equal(res.body.device.id, good);
    assert.deepEqual(Object.fromEntries(res.body.devices.map((d: { id: string; passing: boolean }) => [d.id, d.passing])), { [good]: true, [bad]: false });
  });

  test("rule all fails when one fails, names the failing device in the messages", async () => {
    const res = await check({ username: "two-devices", policies: [firewall], rule: "all" });
    assert.equal(res.body.passing, false);
    assert.equal(res.body.device.id, bad);
    assert.deepEqual(res.body.messages, ["bad-desktop: The firewall is off. Enable the host firewall (e.g. `sudo ufw enable` or `sudo systemctl enable --now firewalld`)."]);
  });
});

describe("refresh-and-wait", () => {
  test("uses the facts the agent sends back when asked", async () => {
    const d = await t.pushDevice(linuxFacts({ network: { firewall_enabled: false } }), { answerRefreshWith: linuxFacts() });
    assert.equal((await check({ device: d.deviceId, policies: [firewall] })).body.passing, false);
    const res = await check({ device: d.deviceId, policies: [firewall], refresh: true, refreshWait: 5 });
    assert.equal(res.body.passing, true);
    assert.equal(res.body.devices[0].refreshed, true);
  });

  test("falls back to cached facts within the bound when the agent does not answer", async () => {
    const d = await t.pushDevice(linuxFacts());
    const started = Date.now();
    const res = await check({ device: d.deviceId, policies: [firewall], refresh: true, refreshWait: 0.3 });
    assert.ok(Date.now() - started < 3000);
    assert.equal(res.body.passing, true);
    assert.deepEqual(res.body.messages, []);
    assert.equal(res.body.devices[0].refreshed, false);
  });

  test("tells a refused user that fresh facts could not be collected", async () => {
    const d = await t.pushDevice(linuxFacts({ network: { firewall_enabled: false } }));
    const res = await check({ device: d.deviceId, policies: [firewall], refresh: true, refreshWait: 0.3 });
    assert.equal(res.body.passing, false);
    assert.match(res.body.messages.at(-1), /Fresh facts could not be collected from this device \(timeout\); the last reported facts were used/);
  });

  test("refuses a wait above the bound", async () => {
    assert.equal((await check({ device: "x", policies: [firewall], refresh: true, refreshWait: 60 })).status, 400);
  });
});

describe("request validation and scope", () => {
  test("400 for an unknown policy id, for no or two identifiers, for unknown fields", async () => {
    assert.match((await check({ device: "x", policies: ["daeNope"] })).body.error.message, /unknown device assurance policy id\(s\): daeNope/);
    assert.equal((await check({ policies: [firewall] })).status, 400);
    assert.equal((await check({ device: "x", serial: "y", policies: [firewall] })).status, 400);
    assert.equal((await check({ device: "x", policies: [firewall], extra: 1 })).status, 400);
    assert.equal((await check({ device: "x", policies: [] })).status, 400);
  });

  test("needs the endpoint:check scope", async () => {
    const reader = await issueApiToken(t.connector.store, { name: "reader", scopes: ["devices:read"] }, t.clock.now);
    assert.equal((await check({ device: "x", policies: [firewall] }, reader.secret)).status, 403);
    const idp = await issueApiToken(t.connector.store, { name: "authentik", scopes: ["endpoint:check"] }, t.clock.now);
    assert.equal((await check({ device: "x", policies: [firewall] }, idp.secret)).status, 200);
  });
});

describe("evaluate, grace and compliance events across time", () => {
  test("a failure is in grace for 7 days from when it was first seen, then fails; events mark each change", async () => {
    const start = t.clock.now;
    const policy = await t.createPolicy({ name: "FileVault", platform: "MACOS", diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] }, gracePeriod: { type: "BY_DURATION", expiry: "P7D" } });
    const unencrypted = macFacts({ disks: [{ name: "disk3s1", mountpoint: "/", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: false, internal: true }] });
    const mac = await t.pushDevice(unencrypted);
    const evaluate = () => t.json(`/v1/devices/${mac.deviceId}/evaluate`, { method: "POST", body: JSON.stringify({ policies: [policy] }) });

    const first = await evaluate();
    assert.equal(first.status, 200);
    assert.equal(first.body.result, "GRACE");
    assert.equal(first.body.passing, true);
    const disk = first.body.checks.find((c: { check: string }) => c.check === "diskEncryptionType");
    assert.equal(disk.firstFailedAt, new Date(start).toISOString());
    assert.equal(disk.graceUntil, new Date(start + 7 * DAY).toISOString());
    assert.deepEqual(disk.observed, [{ volume: "/", encrypted: false }]);

    const during = await check({ device: mac.deviceId, policies: [policy] });
    assert.equal(during.body.passing, true);
    assert.match(during.body.messages[0], /Not encrypted: \/\. Turn on FileVault.*Access is allowed until/);

    t.clock.now = start + 6 * DAY;
    await mac.push(unencrypted);
    assert.equal((await evaluate()).body.result, "GRACE");
    t.clock.now = start + 7 * DAY + 1;
    await mac.push(unencrypted);
    const late = await evaluate();
    assert.equal(late.body.result, "FAIL");
    assert.equal(late.body.passing, false);

    t.clock.now = start + 8 * DAY;
    await mac.push(macFacts());
    const fixed = await evaluate();
    assert.equal(fixed.body.result, "PASS");
    assert.equal(fixed.body.checks.find((c: { check: string }) => c.check === "diskEncryptionType").lastPassedAt, new Date(t.clock.now).toISOString());

    const events = (await t.json(`/v1/events?type=device.compliance.changed&device=${mac.deviceId}`)).body.events;
    assert.deepEqual(events.map((e: { data: { result: string } }) => e.data.result), ["GRACE", "FAIL", "PASS"]);
    assert.deepEqual(events[1].data.previous, { result: "GRACE", passing: true });

    const stored = (await t.json(`/v1/devices/${mac.deviceId}/compliance`)).body;
    assert.equal(stored.policies.find((p: { policyId: string }) => p.policyId === policy).result, "PASS");
    t.clock.now = start;
  });

  test("facts older than maxFactAge are UNKNOWN and do not pass", async () => {
    const policy = await t.createPolicy({ name: "fresh", platform: "LINUX", firewallEnabled: true, maxFactAge: "PT1H" });
    const d = await t.pushDevice(linuxFacts());
    assert.equal((await check({ device: d.deviceId, policies: [policy] })).body.passing, true);
    t.clock.now += 2 * 3600_000;
    const stale = await check({ device: d.deviceId, policies: [policy] });
    t.clock.now -= 2 * 3600_000;
    assert.equal(stale.body.passing, false);
    assert.equal(stale.body.result, "UNKNOWN");
    assert.match(stale.body.messages[0], /facts are 120 minutes old/);
  });

  test("evaluate without policy ids evaluates all, reporting other platforms as not applicable", async () => {
    const d = await t.pushDevice(linuxFacts());
    const res = await t.json(`/v1/devices/${d.deviceId}/evaluate`, { method: "POST" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const applicable = res.body.policies.filter((p: { applicable: boolean }) => p.applicable).map((p: { platform: string }) => p.platform);
    assert.ok(applicable.length > 0 && applicable.every((p: string) => p === "LINUX"));
    assert.ok(res.body.policies.some((p: { applicable: boolean }) => !p.applicable));
    assert.equal((await t.api("/v1/devices/nope/evaluate", { method: "POST" })).status, 404);
  });
});
