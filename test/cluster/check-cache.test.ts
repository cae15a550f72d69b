/**
 * The endpoint check's reads served from memory on two real connector replicas sharing one
 * PostgreSQL schema: a write on replica A (a new snapshot, a policy edit, a revocation) is seen by
 * replica B's next check, through the invalidations A publishes over LISTEN/NOTIFY — also for a
 * device named by serial or by user, whose lookups B answers from memory too.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Connector } from "../../connector/app.ts";
import { startTwoReplicas, type TwoReplicas } from "../support/cluster/two-replicas.ts";
import { postgresSkipReason } from "../support/postgres-schema.ts";
import { sampleFacts } from "../support/facts.ts";
import { enrollTestDevice, ProtocolClient } from "../support/protocol-client.ts";

const skip = await postgresSkipReason();

describe("the endpoint check's memory across two replicas on one PostgreSQL", { skip }, () => {
  let replicas: TwoReplicas;
  let a: Connector;
  let b: Connector;
  let admin: string;
  let enroll: string;

  before(async () => {
    replicas = await startTwoReplicas();
    ({ a, b, admin, enroll } = replicas);
  });
  after(async () => {
    await replicas?.close();
  });

  const api = (c: Connector, method: string, path: string, body?: unknown) =>
    fetch(`${c.url}${path}`, { method, headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const policyBody = (prefix: string) => ({
    name: "hostname",
    platform: "LINUX",
    customChecks: [{ name: "prefix", expression: `facts.network.hostname.startsWith("${prefix}")`, message: "wrong hostname" }],
  });
  const check = async (c: Connector, deviceId: string, policyId: string) => {
    const response = await api(c, "POST", "/v1/endpoint/check", { mode: "lookup", device: deviceId, policies: [policyId] });
    assert.equal(response.status, 200);
    return (await response.json()) as { passing: boolean; reason: string | null; policies: { result: string }[] };
  };
  /** B's memory hits so far, read from its /metrics. */
  const hits = async (c: Connector, cache: string) => {
    const text = await (await api(c, "GET", "/metrics")).text();
    return Number(new RegExp(`facet_cache_requests_total\\{cache="${cache}",result="hit"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  test("a snapshot, a policy edit and a revocation on A are each seen by B's next check", async () => {
    const device = await enrollTestDevice(a.url, enroll);
    const agent = await ProtocolClient.connect(a.agentUrl);
    assert.equal((await agent.authenticate(device)).type, "welcome");
    const facts = (hostname: string) => sampleFacts({ network: { hostname, firewall_enabled: null, interfaces: [] } });
    assert.equal((await agent.sendSnapshot(device, { seq: 1, facts: facts("ok-1") })).type, "ack");
    const created = await api(a, "POST", "/v1/device-assurances", policyBody("ok-"));
    assert.equal(created.status, 200, await created.clone().text());
    const policy = (await created.json()) as { id: string };

    assert.equal((await check(b, device.deviceId, policy.id)).passing, true);
    const before = await hits(b, "device_rows");
    assert.equal((await check(b, device.deviceId, policy.id)).passing, true);
    assert.ok((await hits(b, "device_rows")) > before, "B answered its second check from memory");

    // A new snapshot accepted on A: B must judge the new facts, not its remembered device row's seq.
    assert.equal((await agent.sendSnapshot(device, { seq: 2, facts: facts("bad-2") })).type, "ack");
    assert.equal((await check(b, device.deviceId, policy.id)).passing, false);

    // The policy replaced on A: B must judge against the new version.
    const replaced = await api(a, "PUT", `/v1/device-assurances/${policy.id}`, policyBody("bad-"));
    assert.equal(replaced.status, 200, await replaced.clone().text());
    const onB = await check(b, device.deviceId, policy.id);
    assert.equal(onB.passing, true, JSON.stringify({ onB, onA: await check(a, device.deviceId, policy.id) }));

    // Revoked on A: B refuses at once.
    assert.equal((await api(a, "POST", `/v1/devices/${device.deviceId}/revoke`)).status, 200);
    const refused = await check(b, device.deviceId, policy.id);
    assert.equal(refused.passing, false);
    assert.equal(refused.reason, "revoked_device");
    agent.close();
  });

  test("a serial moving between devices, and a binding added and removed, on A are each seen by B's next check", async () => {
    const withSerial = (serial: string) => sampleFacts({ hardware: { ...sampleFacts().hardware!, serial } });
    const serial = `SER-${Date.now()}`;
    const first = await enrollTestDevice(a.url, enroll);
    const second = await enrollTestDevice(a.url, enroll);
    const agents = await Promise.all([first, second].map(async (device) => {
      const agent = await ProtocolClient.connect(a.agentUrl);
      assert.equal((await agent.authenticate(device)).type, "welcome");
      return agent;
    }));
    assert.equal((await agents[0]!.sendSnapshot(first, { seq: 1, facts: withSerial(serial) })).type, "ack");
    const policy = (await (await api(a, "POST", "/v1/device-assurances", { name: "any linux", platform: "LINUX" })).json()) as { id: string };
    const bySerial = async (c: Connector) => {
      const response = await api(c, "POST", "/v1/endpoint/check", { mode: "lookup", serial, policies: [policy.id] });
      assert.equal(response.status, 200);
      return (await response.json()) as { reason: string | null; device: { id: string } | null };
    };
    const byUser = async (c: Connector, username: string) => {
      const response = await api(c, "POST", "/v1/endpoint/check", { mode: "lookup", username, policies: [policy.id] });
      assert.equal(response.status, 200);
      return (await response.json()) as { reason: string | null; device: { id: string } | null };
    };

    assert.equal((await bySerial(b)).device?.id, first.deviceId);
    const before = await hits(b, "device_serials");
    assert.equal((await bySerial(b)).device?.id, first.deviceId);
    assert.ok((await hits(b, "device_serials")) > before, "B found the device by serial from memory");

    // The second device reports the same serial on A: B must refuse the serial as ambiguous.
    assert.equal((await agents[1]!.sendSnapshot(second, { seq: 1, facts: withSerial(serial) })).type, "ack");
    assert.equal((await bySerial(b)).reason, "serial_ambiguous");
    // The first moves to another serial on A: B finds only the second.
    assert.equal((await agents[0]!.sendSnapshot(first, { seq: 2, facts: withSerial(`${serial}-new`) })).type, "ack");
    assert.equal((await bySerial(b)).device?.id, second.deviceId);

    const user = `user-${Date.now()}`;
    assert.equal((await byUser(b, user)).reason, "no_device");
    assert.equal((await api(a, "POST", `/v1/devices/${first.deviceId}/users`, { username: user })).status, 201);
    assert.equal((await byUser(b, user)).device?.id, first.deviceId, "bound on A, found on B");
    const hitsBefore = await hits(b, "bound_devices");
    assert.equal((await byUser(b, user)).device?.id, first.deviceId);
    assert.ok((await hits(b, "bound_devices")) > hitsBefore, "B found the user's device from memory");
    assert.equal((await api(a, "DELETE", `/v1/devices/${first.deviceId}/users/${user}`)).status, 200);
    assert.equal((await byUser(b, user)).reason, "no_device", "unbound on A, gone on B");
    for (const agent of agents) agent.close();
  });

  test("a verdict stored on A is what B compares against: B's next evaluation does not repeat A's change event", async () => {
    const device = await enrollTestDevice(a.url, enroll);
    const agent = await ProtocolClient.connect(a.agentUrl);
    assert.equal((await agent.authenticate(device)).type, "welcome");
    assert.equal((await agent.sendSnapshot(device, { seq: 1, facts: sampleFacts({ network: { hostname: "ok-9", firewall_enabled: null, interfaces: [] } }) })).type, "ack");
    const policy = (await (await api(a, "POST", "/v1/device-assurances", policyBody("ok-"))).json()) as { id: string };
    // B evaluates first (and remembers the device's empty state), then A stores a different verdict.
    assert.equal((await check(b, device.deviceId, policy.id)).passing, true);
    assert.equal((await api(a, "PUT", `/v1/device-assurances/${policy.id}`, policyBody("no-"))).status, 200);
    assert.equal((await check(a, device.deviceId, policy.id)).passing, false);
    assert.equal((await check(b, device.deviceId, policy.id)).passing, false);
    const events = (await (await api(a, "GET", `/v1/events?type=device.compliance.changed&device=${device.deviceId}`)).json()) as { events?: unknown[] } | unknown[];
    const list = Array.isArray(events) ? events : (events.events ?? []);
    assert.equal(list.length, 2, "one change to PASS (B), one to FAIL (A); B saw A's verdict and recorded no second FAIL");
    agent.close();
  });
});
