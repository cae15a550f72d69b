/**
 * The acceptance examples through a live connector: real enrollment, real signed
 * snapshots over the agent socket, policies over REST, decisions from /v1/endpoint/check.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { linuxFacts, macFacts, windowsFacts } from "../support/policy/fixtures.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "../support/live-policy-connector.ts";

let t: LivePolicyConnector;
before(async () => {
  t = await startLivePolicyConnector();
});
after(async () => t.stop());

// Policy evaluation, not identification, is under test here: the device is named (mode lookup).
const check = (body: Record<string, unknown>) => t.json("/v1/endpoint/check", { method: "POST", body: JSON.stringify({ mode: "lookup", ...body }) });

describe('seed example: "only Apple devices"', () => {
  let policy: string;
  before(async () => {
    policy = await t.createPolicy({
      name: "Only Apple devices",
      platform: "MACOS",
      customChecks: [
        {
          name: "apple-hardware",
          expression: 'facts.hardware.manufacturer.lowerAscii().startsWith("apple")',
          message: "Only Apple devices may sign in here.",
          remediation: "Sign in from your company-issued Mac.",
        },
      ],
    });
  });

  test("an Apple Mac passes", async () => {
    const mac = await t.pushDevice(macFacts());
    const res = await check({ device: mac.deviceId, policies: [policy] });
    assert.equal(res.status, 200);
    assert.equal(res.body.passing, true);
    assert.deepEqual(res.body.messages, []);
    assert.equal(res.body.device.id, mac.deviceId);
    assert.equal(res.body.device.cached_facts.data.hardware.manufacturer, "Apple Inc.");
  });

  test("a macOS install on other hardware is denied with the policy's message", async () => {
    const hackintosh = await t.pushDevice(macFacts({ hardware: { manufacturer: "Gigabyte Technology Co., Ltd." } }));
    const res = await check({ device: hackintosh.deviceId, policies: [policy] });
    assert.equal(res.body.passing, false);
    assert.deepEqual(res.body.messages, ["Only Apple devices may sign in here. Sign in from your company-issued Mac."]);
  });

  test("a Windows PC is denied: no policy applies to its platform", async () => {
    const pc = await t.pushDevice(windowsFacts());
    const res = await check({ device: pc.deviceId, policies: [policy] });
    assert.equal(res.body.passing, false);
    assert.match(res.body.messages[0], /No device policy applies to this device's platform/);
  });

  test("a Mac whose manufacturer is unknown is not let in by default", async () => {
    const unknown = await t.pushDevice(macFacts({ hardware: { manufacturer: null } }), { unknown: { "hardware.manufacturer": "system_profiler: timed out" } });
    const res = await check({ device: unknown.deviceId, policies: [policy] });
    assert.equal(res.body.passing, false);
    assert.equal(res.body.result, "UNKNOWN");
    // The user is told what could not be checked; the probe's error is for the admin's view.
    assert.match(res.body.messages[0], /could not check this device against "apple-hardware"/);
    assert.doesNotMatch(res.body.messages[0], /system_profiler/);
    assert.ok(JSON.stringify(res.body.checks).includes("system_profiler: timed out"));
  });
});

describe('seed example: "iOS-style dynamic latest security patch", on macOS', () => {
  let policy: string;
  before(async () => {
    // Okta's iOS example from the API guide, with the platform changed to MACOS.
    policy = await t.createPolicy({
      name: "Device assurance macOS",
      platform: "MACOS",
      osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } },
    });
  });

  test("a supported macOS on its latest patch passes (15.7.2, 14.8.2, 26.1)", async () => {
    for (const version of ["15.7.2", "14.8.2", "26.1"]) {
      const mac = await t.pushDevice(macFacts({ os: { version } }));
      const res = await check({ device: mac.deviceId, policies: [policy] });
      assert.equal(res.body.passing, true, `${version}: ${res.body.messages}`);
    }
  });

  test("a supported macOS one patch behind is denied and told what to install", async () => {
    const mac = await t.pushDevice(macFacts({ os: { version: "15.7.1" } }));
    const res = await check({ device: mac.deviceId, policies: [policy] });
    assert.equal(res.body.passing, false);
    assert.match(res.body.messages[0], /missing the latest security update \(15\.7\.2/);
    assert.match(res.body.messages[0], /Install macOS 15\.7\.2/);
  });

  test("an unsupported macOS is denied even when fully patched", async () => {
    const mac = await t.pushDevice(macFacts({ os: { version: "13.7.8" } }));
    const res = await check({ device: mac.deviceId, policies: [policy] });
    assert.equal(res.body.passing, false);
    assert.match(res.body.messages[0], /macOS 13 is no longer supported/);
  });

  test("importing a newer catalog moves 'latest' without touching the policy", async () => {
    const mac = await t.pushDevice(macFacts({ os: { version: "26.1" } }));
    assert.equal((await check({ device: mac.deviceId, policies: [policy] })).body.passing, true);
    const catalog = (await t.json("/v1/os-catalog")).body.catalog;
    catalog.version = "2025.12.15";
    catalog.macos[0].latest = "26.2";
    catalog.macos[0].latestReleased = "2025-11-19";
    assert.equal((await t.json("/v1/os-catalog", { method: "PUT", body: JSON.stringify(catalog) })).status, 200);
    const res = await check({ device: mac.deviceId, policies: [policy] });
    assert.equal(res.body.passing, false);
    assert.match(res.body.messages[0], /26\.2/);
  });
});

describe("Windows: WINDOWS_11 required, WINDOWS_10 NOT_ALLOWED", () => {
  let policy: string;
  before(async () => {
    policy = await t.createPolicy({
      name: "Windows 11 only",
      platform: "WINDOWS",
      osVersionConstraints: [
        { majorVersionConstraint: "WINDOWS_11", dynamicVersionRequirement: { type: "MINIMUM", distanceFromLatestMajor: 1, latestSecurityPatch: true } },
        { majorVersionConstraint: "WINDOWS_10", dynamicVersionRequirement: { type: "NOT_ALLOWED" } },
      ],
      diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] },
    });
  });

  test("Windows 11 24H2 with the November update passes", async () => {
    const pc = await t.pushDevice(windowsFacts({ os: { build: "10.0.26100.7171" } }));
    const res = await check({ device: pc.deviceId, policies: [policy] });
    assert.equal(res.body.passing, true, res.body.messages.join("; "));
  });

  test("Windows 10 is denied however patched", async () => {
    const pc = await t.pushDevice(windowsFacts({ os: { name: "Microsoft Windows 10 Pro", version: "10.0.19045", build: "10.0.19045.6575" } }));
    const res = await check({ device: pc.deviceId, policies: [policy] });
    assert.equal(res.body.passing, false);
    assert.match(res.body.messages[0], /Windows 10 is not allowed by this policy\. .*Upgrade to Windows 11/);
  });

  test("Windows 11 23H2 is two feature releases behind and denied", async () => {
    const pc = await t.pushDevice(windowsFacts({ os: { build: "10.0.22631.6199" } }));
    const res = await check({ device: pc.deviceId, policies: [policy] });
    assert.equal(res.body.passing, false);
    assert.match(res.body.messages[0], /24H2 \(build 26100\) or later/);
  });

  test("a Mac is not judged by the Windows policy alone: no policy applies", async () => {
    const mac = await t.pushDevice(macFacts());
    assert.equal((await check({ device: mac.deviceId, policies: [policy] })).body.passing, false);
  });
});

describe("a policy that reads an inventory is evaluated from the whole snapshot", () => {
  let needsCurl: string;
  let firewall: string;
  before(async () => {
    needsCurl = await t.createPolicy({
      name: "curl installed",
      platform: "LINUX",
      customChecks: [{ name: "curl", expression: 'facts.software.exists(s, s.name == "curl")', message: "Install curl." }],
    });
    firewall = await t.createPolicy({ name: "firewall on", platform: "LINUX", firewallEnabled: true });
  });

  test("the software list decides, after a sign-in that read only the small families", async () => {
    const withCurl = await t.pushDevice(linuxFacts({ software: [{ name: "curl", version: "8.5.0", source: "deb" }] } as never));
    const without = await t.pushDevice(linuxFacts());
    for (const device of [withCurl, without]) assert.equal((await check({ device: device.deviceId, policies: [firewall] })).body.passing, true);
    assert.equal((await check({ device: withCurl.deviceId, policies: [needsCurl] })).body.passing, true);
    const refused = await check({ device: without.deviceId, policies: [needsCurl, firewall] });
    assert.equal(refused.body.passing, false);
    assert.deepEqual(refused.body.messages, ["Install curl."]);
  });
});
