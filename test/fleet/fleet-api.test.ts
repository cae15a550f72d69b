/**
 * Facet as a Fleet server for authentik's Fleet connector: a client that does what authentik's
 * unmodified connector does (authentik_fleet_client.py, written from the reference, not from the
 * route code) pages through a live connector with real enrolled devices.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { buildCertificateRequest, generateCertificateKey } from "../../agent/certificate/csr.ts";
import { issueDeviceCertificate } from "../../connector/device-ca/issue.ts";
import { linuxFacts, macFacts } from "../support/policy/fixtures.ts";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "../support/live-policy-connector.ts";

const root = new URL("../..", import.meta.url).pathname;

interface ClientDevice {
  identifier: string;
  name: string;
  facts: { os: Record<string, unknown>; hardware: Record<string, unknown>; vendor: { "fleetdm.com": { uuid: string; policies: { name: string; status: string }[] } }; software: unknown[] };
  problems: string[];
  users: string[];
}

function authentikSync(url: string, token: string): Promise<{ ca_der_b64: string | null; devices: ClientDevice[]; pages: number }> {
  return new Promise((resolve, reject) => {
    execFile("python3", [`${root}test/fleet/authentik_fleet_client.py`, url, token], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`the authentik-style sync failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout));
    });
  });
}

let t: LivePolicyConnector;
let fleetToken: string;
let firewall: string;
const ids = { good: "", bad: "", noSerial: "", mac: "", revoked: "" };

before(async () => {
  t = await startLivePolicyConnector();
  fleetToken = (await issueApiToken(t.connector.store, { name: "authentik fleet connector", scopes: ["fleet:read"] }, t.clock.now)).secret;
  firewall = await t.createPolicy({ name: "Firewall on", platform: "LINUX", firewallEnabled: true });
  ids.good = (await t.pushDevice(linuxFacts({ hardware: { serial: "SER-GOOD" }, network: { hostname: "good-laptop" } }))).deviceId;
  ids.bad = (await t.pushDevice(linuxFacts({ hardware: { serial: "SER-BAD" }, network: { hostname: "bad-laptop", firewall_enabled: false } }))).deviceId;
  ids.noSerial = (await t.pushDevice(linuxFacts({ hardware: { serial: null }, network: { hostname: "vm-no-serial" } }))).deviceId;
  ids.mac = (await t.pushDevice(macFacts({ hardware: { serial: "C02MAC" } }))).deviceId;
  ids.revoked = (await t.pushDevice(linuxFacts({ hardware: { serial: "SER-REVOKED" } }))).deviceId;
  assert.equal((await t.api(`/v1/devices/${ids.revoked}/revoke`, { method: "POST" })).status, 200);
  assert.equal((await t.api(`/v1/devices/${ids.good}/users`, { method: "POST", body: JSON.stringify({ username: "alice@example.com" }) })).status, 201);
});
after(async () => t.stop());

test("authentik's sync pages through every live host, one per page, and stops at the empty page", async () => {
  const sync = await authentikSync(t.connector.url, fleetToken);
  assert.equal(sync.pages, 4);
  const byUuid = new Map(sync.devices.map((d) => [d.facts.vendor["fleetdm.com"].uuid, d]));
  assert.deepEqual([...byUuid.keys()].sort(), [ids.good, ids.bad, ids.noSerial, ids.mac].sort(), "revoked devices are absent; uuid is the Facet device id");
  assert.equal(new Set(sync.devices.map((d) => d.identifier)).size, 4, "every device has its own identifier");
  for (const d of sync.devices) assert.deepEqual(d.problems, [], `${d.name} validates as authentik's DeviceFacts`);

  const noSerial = byUuid.get(ids.noSerial)!;
  assert.equal(noSerial.identifier, `facet:${ids.noSerial}`, "a device without a hardware serial gets the documented stand-in");
  const good = byUuid.get(ids.good)!;
  assert.equal(good.identifier, "SER-GOOD");
  assert.equal(good.name, "good-laptop");
  assert.deepEqual(good.facts.os, { family: "linux", arch: "amd64", name: "Ubuntu", version: "24.04.3 LTS (Noble Numbat)" });
  assert.equal(typeof good.facts.hardware.memory_bytes, "number");
  assert.deepEqual(good.users, ["alice@example.com"], "device_mapping carries bound users");
  assert.deepEqual(byUuid.get(ids.bad)!.users, [], "never users a device claims");
  assert.equal(byUuid.get(ids.mac)!.facts.os.family, "mac_os");
});

test("each device-assurance policy's verdict is a Fleet policy response", async () => {
  const sync = await authentikSync(t.connector.url, fleetToken);
  const policiesOf = (id: string) => sync.devices.find((d) => d.facts.vendor["fleetdm.com"].uuid === id)!.facts.vendor["fleetdm.com"].policies;
  assert.deepEqual(policiesOf(ids.good), [{ name: "Firewall on", status: "pass" }]);
  assert.deepEqual(policiesOf(ids.bad), [{ name: "Firewall on", status: "fail" }]);
  assert.deepEqual(policiesOf(ids.mac), [], "a LINUX policy does not apply to a Mac");
  assert.ok(firewall);
});

test("answers like Fleet: its error shape, scopes, and an empty page past the end", async () => {
  const get = (path: string, token: string | null) => t.api(path, { token });
  const anonymous = await get("/api/v1/fleet/hosts", null);
  assert.equal(anonymous.status, 401);
  const body = (await anonymous.json()) as { message: string; errors: { name: string; reason: string }[] };
  assert.equal(body.message, "Authentication required");
  assert.equal(body.errors[0]!.name, "base");
  const idp = (await issueApiToken(t.connector.store, { name: "check only", scopes: ["endpoint:check"] }, t.clock.now)).secret;
  assert.equal((await get("/api/v1/fleet/hosts", idp)).status, 403);
  assert.deepEqual(await (await get("/api/v1/fleet/hosts?page=99&per_page=10", fleetToken)).json(), { hosts: [] });
  const pageOne = (await (await get("/api/v1/fleet/hosts?page=0&per_page=3", fleetToken)).json()) as { hosts: { uuid: string; software?: unknown }[] };
  assert.equal(pageOne.hosts.length, 3);
  assert.equal(pageOne.hosts[0]!.software, undefined, "software only when asked for");
  const unknown = await get("/api/v1/fleet/hosts/123/refetch", fleetToken);
  assert.equal(unknown.status, 404);
  assert.ok(((await unknown.json()) as { errors: unknown[] }).errors.length === 1);
  const one = (await (await get(`/api/v1/fleet/hosts/identifier/SER-GOOD`, fleetToken)).json()) as { host: { uuid: string } };
  assert.equal(one.host.uuid, ids.good);
  assert.equal((await get(`/api/v1/fleet/hosts/identifier/SER-REVOKED`, fleetToken)).status, 404);
});

test("the CA profile parses as authentik parses it, and a device certificate verifies against it with the SAN its mTLS stage matches", async () => {
  const sync = await authentikSync(t.connector.url, fleetToken);
  assert.ok(sync.ca_der_b64, "the profile carries the com.fleetdm.conditional-access-ca payload");
  const ca = new X509Certificate(Buffer.from(sync.ca_der_b64, "base64"));
  assert.equal(ca.fingerprint256, t.connector.deviceCa.certificate.fingerprint256);

  const issued = await issueDeviceCertificate(
    { store: t.connector.store, deviceCa: t.connector.deviceCa, now: () => t.clock.now, limits: t.connector.limits },
    ids.good,
    await buildCertificateRequest(generateCertificateKey(), ids.good),
  );
  assert.ok(issued.ok);
  const dir = mkdtempSync(join(tmpdir(), "facet-fleet-ca-"));
  try {
    writeFileSync(join(dir, "ca.pem"), ca.toString());
    writeFileSync(join(dir, "device.pem"), issued.certificatePem);
    // openssl checks validity against the real clock; the connector's clock is injected, so ask for its time.
    const out = execFileSync("openssl", ["verify", "-attime", String(Math.floor(t.clock.now / 1000) + 60), "-purpose", "sslclient", "-CAfile", join(dir, "ca.pem"), join(dir, "device.pem")], { encoding: "utf8" });
    assert.match(out, /device\.pem: OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // authentik strips this prefix from every SAN URI, lower-cases, and looks the value up as vendor["fleetdm.com"].uuid.
  const sans = (new X509Certificate(issued.certificatePem).subjectAltName ?? "").split(", ").filter((s) => s.startsWith("URI:")).map((s) => s.slice(4));
  const lookups = sans.map((uri) => uri.replace(/^urn:device:apple:uuid:/, "").toLowerCase());
  const uuids = sync.devices.map((d) => d.facts.vendor["fleetdm.com"].uuid);
  assert.deepEqual(lookups.filter((v) => uuids.includes(v)), [ids.good]);
});
