/** /v1/endpoint/check and /v1/devices/{id}/evaluate behaviours, against a live connector on an injected clock. */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { linuxFacts, macFacts } from "../support/policy/fixtures.ts";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { enrollTestDevice } from "../support/protocol-client.ts";
import { buildCertificateRequest, generateCertificateKey } from "../../agent/certificate/csr.ts";
import { issueDeviceCertificate } from "../../connector/device-ca/issue.ts";
import { newTestCa } from "../support/device-ca.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "../support/live-policy-connector.ts";

const DAY = 86_400_000;
let t: LivePolicyConnector;
let firewall: string;
before(async () => {
  t = await startLivePolicyConnector();
  firewall = await t.createPolicy({ name: "Firewall on", platform: "LINUX", firewallEnabled: true });
});
after(async () => t.stop());

const check = (body: Record<string, unknown>, token?: string) => t.json("/v1/endpoint/check", { method: "POST", body: JSON.stringify(body), ...(token ? { token } : {}) });
const lookup = (body: Record<string, unknown>, token?: string) => check({ mode: "lookup", ...body }, token);
const user = (username: string) => [{ id: "1000", username, name: null, home: `/home/${username}` }];
const assign = async (deviceId: string, username: string) => {
  const res = await t.json(`/v1/devices/${deviceId}/users`, { method: "POST", body: JSON.stringify({ username }) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
};

describe("naming the device (mode lookup)", () => {
  test("by serial", async () => {
    await t.pushDevice(linuxFacts({ hardware: { serial: "SER-BY-SERIAL" } }));
    const res = await lookup({ serial: "SER-BY-SERIAL", policies: [firewall] });
    assert.equal(res.body.passing, true);
    assert.equal(res.body.device.identifier, "SER-BY-SERIAL");
  });

  test("by a user an admin bound the device to", async () => {
    const d = await t.pushDevice(linuxFacts({ users: [] }));
    await assign(d.deviceId, "bound-user");
    const res = await lookup({ username: "BOUND-USER", policies: [firewall] });
    assert.equal(res.body.device.id, d.deviceId);
    assert.equal(res.body.proof, "lookup");
  });

  test("by the user an enrollment token was issued for", async () => {
    const created = await t.json("/v1/tokens/enroll", { method: "POST", body: JSON.stringify({ user: "token-user", max_uses: 1 }) });
    assert.equal(created.status, 201);
    assert.equal(created.body.user, "token-user");
    const d = await enrollTestDevice(t.connector.url, created.body.token, { hostname: "per-user" });
    const res = await lookup({ username: "token-user", policies: [firewall] });
    assert.equal(res.body.device.id, d.deviceId);
    assert.equal(res.body.passing, false, "enrolled but never reported: nothing to judge");
  });

  test("a device named with a username must be bound to it", async () => {
    const d = await t.pushDevice(linuxFacts());
    await assign(d.deviceId, "owner");
    assert.equal((await lookup({ device: d.deviceId, username: "owner", policies: [firewall] })).body.passing, true);
    const other = await lookup({ device: d.deviceId, username: "someone-else", policies: [firewall] });
    assert.equal(other.body.passing, false);
    assert.equal(other.body.reason, "not_bound");
    assert.match(other.body.messages[0], /not registered to you/);
  });

  test("no device bound fails with a message", async () => {
    const res = await lookup({ username: "nobody-here", policies: [firewall] });
    assert.equal(res.status, 200);
    assert.equal(res.body.passing, false);
    assert.equal(res.body.reason, "no_device");
    assert.equal(res.body.device, null);
    assert.match(res.body.messages[0], /No enrolled device is registered to you/);
  });

  test("a revoked device is never found", async () => {
    const d = await t.pushDevice(linuxFacts());
    await assign(d.deviceId, "revoked-user");
    assert.equal((await t.api(`/v1/devices/${d.deviceId}/revoke`, { method: "POST" })).status, 200);
    const res = await lookup({ username: "revoked-user", policies: [firewall] });
    assert.equal(res.body.passing, false);
    assert.equal(res.body.device, null);
    assert.equal((await lookup({ device: d.deviceId, policies: [firewall] })).body.reason, "revoked_device");
  });
});

describe("attacks on who a device belongs to", () => {
  test("a device claiming a user in its facts or at enrollment does not make that user pass", async () => {
    await t.pushDevice(linuxFacts({ users: user("carol") }), { username: "carol" });
    const res = await lookup({ username: "carol", policies: [firewall] });
    assert.equal(res.body.passing, false);
    assert.equal(res.body.reason, "no_device");
  });

  test("a device claiming another device's serial makes the serial ambiguous: never a pass, and an event", async () => {
    const bobs = await t.pushDevice(linuxFacts({ hardware: { serial: "SER-BOB" } }));
    await assign(bobs.deviceId, "bob-serial");
    assert.equal((await lookup({ serial: "SER-BOB", username: "bob-serial", policies: [firewall] })).body.passing, true);
    await t.pushDevice(linuxFacts({ hardware: { serial: "SER-BOB" } }));
    for (const body of [{ serial: "SER-BOB" }, { serial: "SER-BOB", username: "bob-serial" }]) {
      const res = await lookup({ ...body, policies: [firewall] });
      assert.equal(res.body.passing, false);
      assert.equal(res.body.reason, "serial_ambiguous");
    }
    const events = (await t.json("/v1/events?type=device.serial_ambiguous")).body.events;
    assert.ok(events.some((e: { data: { serial: string } }) => e.data.serial === "SER-BOB"));
  });

  test("ten newer non-compliant devices claiming a user do not crowd out the user's bound laptop", async () => {
    const laptop = await t.pushDevice(linuxFacts({ users: user("crowded"), network: { hostname: "crowded-laptop" } }));
    await assign(laptop.deviceId, "crowded");
    for (let i = 0; i < 10; i++) await t.pushDevice(linuxFacts({ users: user("crowded"), network: { hostname: `decoy-${i}`, firewall_enabled: false } }), { username: "crowded" });
    const res = await lookup({ username: "crowded", policies: [firewall] });
    assert.equal(res.body.passing, true);
    assert.deepEqual(res.body.devices.map((d: { id: string }) => d.id), [laptop.deviceId]);
  });

  test("a local account name (nobody, daemon) on some server matches no one", async () => {
    await t.pushDevice(linuxFacts({ users: [...user("nobody"), { id: "1", username: "daemon", name: null, home: "/usr/sbin" }] }));
    for (const username of ["nobody", "daemon"]) assert.equal((await lookup({ username, policies: [firewall] })).body.reason, "no_device");
  });

  test("a password without the laptop: mode required refuses a sign-in that presents no device certificate", async () => {
    const d = await t.pushDevice(linuxFacts());
    await assign(d.deviceId, "password-only");
    assert.equal((await lookup({ username: "password-only", policies: [firewall] })).body.passing, true, "the weaker lookup would pass");
    for (const clientCertificate of [undefined, "", "(null)"]) {
      const res = await check({ username: "password-only", policies: [firewall], ...(clientCertificate !== undefined ? { clientCertificate } : {}) });
      assert.equal(res.body.passing, false);
      assert.equal(res.body.reason, "no_certificate");
      assert.match(res.body.messages[0], /did not identify a company device/);
    }
    const optional = await check({ username: "password-only", policies: [firewall], mode: "optional" });
    assert.equal(optional.body.passing, true, "optional lets an unmanaged device through");
    assert.equal(optional.body.device, null);
  });

  test("a certificate that is not the device CA's is refused as invalid", async () => {
    const res = await check({ username: "password-only", policies: [firewall], clientCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" });
    assert.equal(res.body.passing, false);
    assert.equal(res.body.reason, "certificate_invalid");
  });

  test("with unknownAs PASS, a device that never reported and one whose OS is unknown still do not pass", async () => {
    const lenient = await t.createPolicy({ name: "lenient", platform: "LINUX", firewallEnabled: true, unknownAs: "PASS" });
    const silent = await enrollTestDevice(t.connector.url, t.enrollToken, { hostname: "silent" });
    await assign(silent.deviceId, "silent-user");
    const never = await lookup({ username: "silent-user", policies: [lenient] });
    assert.equal(never.body.passing, false);
    assert.equal(never.body.result, "UNKNOWN");
    const unknownOs = await t.pushDevice({ ...linuxFacts(), os: null }, { unknown: { os: "sw_vers failed" } });
    const res = await lookup({ device: unknownOs.deviceId, policies: [lenient] });
    assert.equal(res.body.passing, false);
  });

  test("a week-old snapshot does not pass a policy without maxFactAge", async () => {
    const d = await t.pushDevice(linuxFacts());
    assert.equal((await lookup({ device: d.deviceId, policies: [firewall] })).body.passing, true);
    t.clock.now += 7 * DAY;
    const stale = await lookup({ device: d.deviceId, policies: [firewall] });
    t.clock.now -= 7 * DAY;
    assert.equal(stale.body.passing, false);
    assert.equal(stale.body.result, "UNKNOWN");
    assert.match(stale.body.messages[0], /has not reported for 7 days/);
  });

  test("a token with only endpoint:check gets a verdict, not facts; evaluate needs devices:read", async () => {
    const d = await t.pushDevice(linuxFacts({ network: { hostname: "private-host" } }));
    await assign(d.deviceId, "least-privilege");
    const idp = await issueApiToken(t.connector.store, { name: "authentik", scopes: ["endpoint:check"] }, t.clock.now);
    const res = await lookup({ username: "least-privilege", policies: [firewall] }, idp.secret);
    assert.equal(res.body.passing, true);
    assert.deepEqual(Object.keys(res.body.device).sort(), ["id", "name"]);
    assert.equal(JSON.stringify(res.body).includes("cached_facts"), false);
    assert.deepEqual(Object.keys(res.body.devices[0]).sort(), ["passing", "result"].concat("id").sort());
    assert.ok(res.body.policies[0].checks.length > 0, "per-policy and per-check results");
    assert.equal((await t.json(`/v1/devices/${d.deviceId}/evaluate`, { method: "POST", token: idp.secret })).status, 403);
    assert.equal((await t.json(`/v1/devices/${d.deviceId}`, { token: idp.secret })).status, 403);
  });
});

/** A client certificate from the connector's device CA, as nginx forwards it ($ssl_client_escaped_cert). */
async function certificateFor(deviceId: string): Promise<string> {
  const issued = await issueDeviceCertificate(
    { store: t.connector.store, deviceCa: t.connector.deviceCa, now: () => t.clock.now, limits: { ...t.connector.limits, deviceCertsPerHour: 1000 } },
    deviceId,
    await buildCertificateRequest(generateCertificateKey(), deviceId),
  );
  assert.ok(issued.ok, JSON.stringify(issued));
  return encodeURIComponent(issued.certificatePem);
}

describe("the device proven by its client certificate (mode required)", () => {
  test("the bound user's device passes; the same certificate for another user is refused", async () => {
    const d = await t.pushDevice(linuxFacts());
    await assign(d.deviceId, "cert-owner");
    const cert = await certificateFor(d.deviceId);
    const own = await check({ username: "cert-owner", clientCertificate: cert, policies: [firewall] });
    assert.equal(own.body.passing, true, JSON.stringify(own.body));
    assert.equal(own.body.proof, "certificate");
    assert.equal(own.body.device.id, d.deviceId);
    const other = await check({ username: "someone-else", clientCertificate: cert, policies: [firewall] });
    assert.equal(other.body.passing, false);
    assert.equal(other.body.reason, "not_bound");
  });

  test("a certificate judges exactly its device, not the user's other devices", async () => {
    const healthy = await t.pushDevice(linuxFacts());
    const broken = await t.pushDevice(linuxFacts({ network: { firewall_enabled: false } }));
    await assign(healthy.deviceId, "two-certs");
    await assign(broken.deviceId, "two-certs");
    const res = await check({ username: "two-certs", clientCertificate: await certificateFor(broken.deviceId), policies: [firewall] });
    assert.equal(res.body.passing, false);
    assert.equal(res.body.device.id, broken.deviceId);
  });

  test("a revoked device's certificate, an expired one and one from another CA are refused, each with its reason", async () => {
    const d = await t.pushDevice(linuxFacts());
    await assign(d.deviceId, "cert-reasons");
    const cert = await certificateFor(d.deviceId);
    t.clock.now += 8 * DAY;
    const expired = await check({ username: "cert-reasons", clientCertificate: cert, policies: [firewall] });
    t.clock.now -= 8 * DAY;
    assert.equal(expired.body.reason, "certificate_expired");
    assert.match(expired.body.messages[0], /certificate has expired/);

    const foreign = await newTestCa(t.clock.now);
    const { certificatePem } = (await issueDeviceCertificate(
      { store: t.connector.store, deviceCa: foreign, now: () => t.clock.now, limits: { ...t.connector.limits, deviceCertsPerHour: 1000 } },
      d.deviceId,
      await buildCertificateRequest(generateCertificateKey(), d.deviceId),
    )) as { certificatePem: string };
    const other = await check({ username: "cert-reasons", clientCertificate: certificatePem, policies: [firewall] });
    assert.equal(other.body.reason, "certificate_invalid", "same subject and SAN, another CA");

    assert.equal((await t.api(`/v1/devices/${d.deviceId}/revoke`, { method: "POST" })).status, 200);
    const revoked = await check({ username: "cert-reasons", clientCertificate: cert, policies: [firewall] });
    assert.equal(revoked.body.passing, false);
    assert.equal(revoked.body.reason, "revoked_device");
  });
});

describe("binding on a verified sign-in (--bind-on-verified-sign-in)", () => {
  test("binds an unbound device to the user the identity provider vouched for, once, and never a second user", async () => {
    const d = await t.pushDevice(linuxFacts());
    const cert = await certificateFor(d.deviceId);
    assert.equal((await check({ username: "first-user", clientCertificate: cert, policies: [firewall] })).body.reason, "not_bound", "off by default");
    t.connector.limits.bindOnVerifiedSignIn = true;
    try {
      const first = await check({ username: "first-user", clientCertificate: cert, policies: [firewall] });
      assert.equal(first.body.passing, true);
      const second = await check({ username: "second-user", clientCertificate: cert, policies: [firewall] });
      assert.equal(second.body.reason, "not_bound");
    } finally {
      t.connector.limits.bindOnVerifiedSignIn = false;
    }
    const users = (await t.json(`/v1/devices/${d.deviceId}/users`)).body;
    assert.deepEqual(users.bound.map((b: { username: string; source: string }) => [b.username, b.source]), [["first-user", "idp"]]);
  });
});

describe("repeated checks never answer from stale state", () => {
  test("a newer snapshot, a changed policy and a revocation each show in the next answer", async () => {
    const offFacts = linuxFacts({ network: { hostname: "linux-test", firewall_enabled: false, interfaces: [] } });
    const d = await t.pushDevice(offFacts);
    const policy = await t.createPolicy({ name: "Firewall, changing", platform: "LINUX", firewallEnabled: true });
    const first = await lookup({ device: d.deviceId, policies: [policy] });
    assert.equal((await lookup({ device: d.deviceId, policies: [policy] })).body.passing, first.body.passing, "same answer from the same state");
    assert.equal(first.body.checks.find((c: { check: string }) => c.check === "firewallEnabled").status !== "PASS", true);
    // With devices:read, the device part is what GET /v1/devices/{id} serves, facts included.
    assert.deepEqual(first.body.device, (await t.json(`/v1/devices/${d.deviceId}`)).body);

    await d.push(linuxFacts());
    const newer = await lookup({ device: d.deviceId, policies: [policy] });
    assert.equal(newer.body.checks.find((c: { check: string }) => c.check === "firewallEnabled").status, "PASS");
    assert.equal(newer.body.device.cached_facts.data.network.firewall_enabled, true);

    await d.push(offFacts);
    assert.equal((await lookup({ device: d.deviceId, policies: [policy] })).body.device.cached_facts.data.network.firewall_enabled, false);
    const relaxed = await t.json(`/v1/device-assurances/${policy}`, { method: "PUT", body: JSON.stringify({ name: "Firewall, changing", platform: "LINUX" }) });
    assert.equal(relaxed.status, 200);
    const afterChange = await lookup({ device: d.deviceId, policies: [policy] });
    assert.equal(afterChange.body.checks.some((c: { check: string }) => c.check === "firewallEnabled"), false, "the changed policy is evaluated");

    assert.equal((await t.api(`/v1/devices/${d.deviceId}/revoke`, { method: "POST" })).status, 200);
    assert.equal((await lookup({ device: d.deviceId, policies: [policy] })).body.reason, "revoked_device");
  });
});

describe("several devices bound to one user", () => {
  let good: string;
  let bad: string;
  before(async () => {
    good = (await t.pushDevice(linuxFacts({ network: { hostname: "good-laptop" } }))).deviceId;
    bad = (await t.pushDevice(linuxFacts({ network: { hostname: "bad-desktop", firewall_enabled: false } }))).deviceId;
    await assign(good, "two-devices");
    await assign(bad, "two-devices");
  });

  test("rule any passes when one passes, and says which", async () => {
    const res = await lookup({ username: "two-devices", policies: [firewall], rule: "any" });
    assert.equal(res.body.passing, true);
    assert.equal(res.body.device.id, good);
    assert.deepEqual(Object.fromEntries(res.body.devices.map((d: { id: string; passing: boolean }) => [d.id, d.passing])), { [good]: true, [bad]: false });
  });

  test("rule all fails when one fails, names the failing device in the messages", async () => {
    const res = await lookup({ username: "two-devices", policies: [firewall], rule: "all" });
    assert.equal(res.body.passing, false);
    assert.equal(res.body.device.id, bad);
    assert.equal(res.body.messages.length, 1);
    assert.match(res.body.messages[0], /^bad-desktop: The firewall is off\./);
  });
});

describe("refresh-and-wait", () => {
  test("uses the facts the agent sends back when asked", async () => {
    const d = await t.pushDevice(linuxFacts({ network: { firewall_enabled: false } }), { answerRefreshWith: linuxFacts() });
    assert.equal((await lookup({ device: d.deviceId, policies: [firewall] })).body.passing, false);
    const res = await lookup({ device: d.deviceId, policies: [firewall], refresh: true, refreshWait: 5 });
    assert.equal(res.body.passing, true);
    assert.equal(res.body.devices[0].refreshed, true);
  });

  test("concurrent sign-ins share one refresh, and a device is not asked again within the interval", async () => {
    const d = await t.pushDevice(linuxFacts(), { answerRefreshWith: linuxFacts() });
    let asked = 0;
    d.client.ws.on("message", (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === "refresh") asked++;
    });
    const answers = await Promise.all([1, 2, 3].map(() => lookup({ device: d.deviceId, policies: [firewall], refresh: true, refreshWait: 5 })));
    assert.ok(answers.every((a) => a.body.passing === true));
    await lookup({ device: d.deviceId, policies: [firewall], refresh: true, refreshWait: 5 });
    assert.equal(asked, 1);
  });

  test("falls back to cached facts within the bound when the agent does not answer", async () => {
    const d = await t.pushDevice(linuxFacts());
    const started = Date.now();
    const res = await lookup({ device: d.deviceId, policies: [firewall], refresh: true, refreshWait: 0.3 });
    assert.ok(Date.now() - started < 3000);
    assert.equal(res.body.passing, true);
    assert.deepEqual(res.body.messages, []);
    assert.equal(res.body.devices[0].refreshed, false);
  });

  test("tells a refused user that fresh facts could not be collected", async () => {
    const d = await t.pushDevice(linuxFacts({ network: { firewall_enabled: false } }));
    const res = await lookup({ device: d.deviceId, policies: [firewall], refresh: true, refreshWait: 0.3 });
    assert.equal(res.body.passing, false);
    assert.match(res.body.messages.at(-1), /Fresh facts could not be collected from this device/);
  });

  test("refuses a wait above the bound", async () => {
    assert.equal((await lookup({ device: "x", policies: [firewall], refresh: true, refreshWait: 60 })).status, 400);
  });
});

describe("request validation, scope and the audit trail", () => {
  test("400 for an unknown policy id, for no or two identifiers, for unknown fields, for naming a device without proof", async () => {
    assert.match((await lookup({ device: "x", policies: ["daeNope"] })).body.error.message, /unknown device assurance policy id\(s\): daeNope/);
    assert.equal((await lookup({ policies: [firewall] })).status, 400);
    assert.equal((await lookup({ device: "x", serial: "y", policies: [firewall] })).status, 400);
    assert.equal((await lookup({ device: "x", policies: [firewall], extra: 1 })).status, 400);
    assert.equal((await lookup({ device: "x", policies: [] })).status, 400);
    assert.equal((await lookup({ device: "x", clientCertificate: "x", policies: [firewall] })).status, 400);
    assert.equal((await check({ device: "x", policies: [firewall] })).status, 400, "mode required names the device by certificate only");
    assert.equal((await check({ serial: "x", policies: [firewall], mode: "optional" })).status, 400);
  });

  test("needs the endpoint:check scope", async () => {
    const reader = await issueApiToken(t.connector.store, { name: "reader", scopes: ["devices:read"] }, t.clock.now);
    assert.equal((await lookup({ device: "x", policies: [firewall] }, reader.secret)).status, 403);
    const idp = await issueApiToken(t.connector.store, { name: "authentik", scopes: ["endpoint:check"] }, t.clock.now);
    assert.equal((await lookup({ device: "x", policies: [firewall] }, idp.secret)).status, 200);
  });

  test("every decision is recorded as a signin.decision event with who, which device, the verdict and why", async () => {
    const d = await t.pushDevice(linuxFacts({ network: { firewall_enabled: false } }));
    await assign(d.deviceId, "audited");
    await lookup({ username: "audited", policies: [firewall] });
    await check({ username: "audited", policies: [firewall] });
    await t.connector.flushDecisions();
    const events = (await t.json(`/v1/events?type=signin.decision&limit=500`)).body.events.filter((e: { data: { username: string } }) => e.data.username === "audited");
    assert.equal(events.length, 2);
    const [looked, refused] = events;
    assert.equal(looked.device_id, d.deviceId);
    assert.equal(looked.data.passing, false);
    assert.equal(looked.data.proof, "lookup");
    assert.deepEqual(looked.data.failing.map((f: { check: string }) => f.check), ["firewallEnabled"]);
    assert.equal(refused.data.reason, "no_certificate");
    assert.equal(refused.data.passing, false);
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

    const during = await lookup({ device: mac.deviceId, policies: [policy] });
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
    assert.equal((await lookup({ device: d.deviceId, policies: [policy] })).body.passing, true);
    t.clock.now += 2 * 3600_000;
    const stale = await lookup({ device: d.deviceId, policies: [policy] });
    t.clock.now -= 2 * 3600_000;
    assert.equal(stale.body.passing, false);
    assert.equal(stale.body.result, "UNKNOWN");
    assert.match(stale.body.messages[0], /has not reported for 2 hours/);
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
