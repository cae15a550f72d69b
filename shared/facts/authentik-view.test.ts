import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthentikFactsSchema } from "./authentik.ts";
import { toAuthentikView } from "./authentik-view.ts";
import { linuxFacts, macFacts, windowsFacts } from "../../test/support/policy/fixtures.ts";
import type { Facts } from "./schema.ts";

const refusals = (doc: unknown): string[] =>
  AuthentikFactsSchema.safeParse(doc).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

test("the schema refuses what authentik's serializer refuses", () => {
  const base = linuxFacts();
  assert.deepEqual(refusals(base), [], "a complete document with no nulls passes");
  const cases: Array<[string, (f: Record<string, any>) => void, RegExp]> = [
    ["null leaf", (f) => { f.disks[0].label = null; }, /^disks\.0\.label: .*received null/],
    ["null boolean", (f) => { f.network.firewall_enabled = null; }, /^network\.firewall_enabled: .*received null/],
    ["null required string", (f) => { f.hardware.serial = null; }, /^hardware\.serial/],
    ["blank serial", (f) => { f.hardware.serial = " "; }, /^hardware\.serial: This field may not be blank/],
    ["blank disk name", (f) => { f.disks[0].name = ""; }, /^disks\.0\.name: This field may not be blank/],
    ["fractional byte count", (f) => { f.disks[0].capacity_total_bytes = 1.5; }, /^disks\.0\.capacity_total_bytes: .*int/],
    ["family outside the choices", (f) => { f.os.family = "macos"; }, /^os\.family/],
    ["missing required arch", (f) => { delete f.os.arch; }, /^os\.arch/],
    ["missing interface MAC", (f) => { f.network.interfaces = [{ name: "eth0" }]; }, /^network\.interfaces\.0\.hardware_address/],
    ["user without id", (f) => { f.users = [{ username: "alice" }]; }, /^users\.0\.id/],
    ["null user name", (f) => { f.users[0].name = null; }, /^users\.0\.name/],
    ["null vendor", (f) => { f.vendor = null; }, /^vendor/],
  ];
  for (const [label, mutate, expected] of cases) {
    const doc = structuredClone(base) as Record<string, any>;
    mutate(doc);
    const found = refusals(doc);
    assert.ok(found.some((r) => expected.test(r)), `${label}: ${JSON.stringify(found)}`);
  }
  const blankLabel = structuredClone(base) as Record<string, any>;
  blankLabel.disks[0].label = "";
  blankLabel.software = [{ name: "tool", version: "", source: "dpkg" }];
  assert.deepEqual(refusals(blankLabel), [], "disks[].label and software[].version may be blank");
  assert.deepEqual(refusals({ os: null, disks: null, network: null, hardware: null, software: null, processes: null }), [], "the six families may be null");
});

test("null leaves are left out; their reasons stay where they were", () => {
  const facts = linuxFacts({ network: { firewall_enabled: null, gateway: null } as never });
  const unknown = { "network.firewall_enabled": "nft: permission denied" };
  const { data, omitted } = toAuthentikView(facts, unknown);
  assert.equal("firewall_enabled" in (data.network ?? {}), false);
  assert.equal("gateway" in (data.network ?? {}), false);
  assert.deepEqual(omitted, {});
  assert.equal(data.network?.hostname, "linux-test");
});

test("an object missing a key authentik requires is left out whole, with the reason", () => {
  const facts = linuxFacts();
  facts.disks = [
    { ...facts.disks![0]!, name: "/dev/sda2", mountpoint: null },
    { ...facts.disks![0]! },
  ];
  facts.hardware = { ...facts.hardware!, serial: null };
  const unknown = { "disks[0].mountpoint": "not mounted", "hardware.serial": "/sys/class/dmi/id is readable by root only: needs root" };
  const { data, omitted } = toAuthentikView(facts, unknown);
  assert.deepEqual(data.disks?.map((d) => d.name), ["/dev/dm-0"]);
  assert.equal(omitted["disks[0]"], "left out of authentik's view: authentik requires mountpoint, which is unknown (not mounted)");
  assert.equal(data.hardware, undefined);
  assert.match(omitted.hardware!, /requires serial, which is unknown \(\/sys\/class\/dmi\/id is readable by root only: needs root\)/);
  assert.equal(AuthentikFactsSchema.safeParse(data).success, true);
});

test("blank strings: left out where authentik refuses them, kept where it allows them", () => {
  const facts = linuxFacts({ network: { gateway: "" } as never });
  facts.disks = [{ ...facts.disks![0]!, label: "" }];
  facts.software = [{ name: "tool", version: "", source: "dpkg" }, { name: "", version: "1", source: "dpkg" }];
  facts.hardware = { ...facts.hardware!, serial: "   " };
  const { data, omitted } = toAuthentikView(facts, {});
  assert.equal(data.disks?.[0]?.label, "");
  assert.deepEqual(data.software, [{ name: "tool", version: "", source: "dpkg" }]);
  assert.equal(omitted["software[1]"], "left out of authentik's view: authentik requires name, which is empty");
  assert.equal("gateway" in (data.network ?? {}), false);
  assert.equal(omitted["network.gateway"], "left out of authentik's view: empty");
  assert.equal(data.hardware, undefined);
  assert.match(omitted.hardware!, /requires serial, which is empty/);
});

test("byte counts become integers", () => {
  const facts = windowsFacts();
  facts.disks = [{ ...facts.disks![0]!, capacity_total_bytes: 511999999999.6, capacity_used_bytes: 2e11 }];
  facts.hardware = { ...facts.hardware!, memory_bytes: 34359738367.5 };
  const { data } = toAuthentikView(facts, {});
  assert.equal(data.disks?.[0]?.capacity_total_bytes, 512000000000);
  assert.equal(data.hardware?.memory_bytes, 34359738368);
});

test("Facet's additions stay, minus their nulls; vendor is passed through untouched", () => {
  const facts = macFacts({ security: { secure_boot: null, sip_enabled: true } as never, os: { patch: { pending_security_updates: null } } as never });
  const { data } = toAuthentikView(facts, {});
  const view = data as Record<string, any>;
  assert.deepEqual(view.security.sip_enabled, true);
  assert.equal("secure_boot" in view.security, false);
  assert.equal("pending_security_updates" in view.os.patch, false);
  assert.equal(view.os.build, "24G325");
  assert.deepEqual(view.vendor, facts.vendor);
});

test("an os without a family authentik knows is left out", () => {
  const facts = linuxFacts({ os: { family: null } as never });
  const { data, omitted } = toAuthentikView(facts, { "os.family": "uname: command not found" });
  assert.equal(data.os, undefined);
  assert.match(omitted.os!, /requires family, which is unknown \(uname: command not found\)/);
});

/** A small seeded generator, so a failure names a seed that reproduces it. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutateLeaves(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => mutateLeaves(v, rand));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "vendor" ? v : mutateLeaves(v, rand)]));
  }
  const r = rand();
  if (r < 0.2) return null;
  if (r < 0.25 && typeof value === "string") return "";
  if (r < 0.3 && typeof value === "string") return "  ";
  if (r < 0.4 && typeof value === "number") return value + 0.5;
  return value;
}

test("every document, whatever its unknowns, blanks and fractions, has a view authentik accepts", () => {
  const base: Facts[] = [macFacts(), windowsFacts(), linuxFacts()];
  for (const doc of base) {
    doc.disks = [...doc.disks!, { name: "/dev/sdb1", mountpoint: "/media/usb", label: "STICK", capacity_total_bytes: 1.6e10, capacity_used_bytes: 1e9, encryption_enabled: false }];
    doc.network = { ...doc.network!, gateway: "10.0.0.1", interfaces: [{ name: "en0", hardware_address: "aa:bb:cc:dd:ee:ff", ip_addresses: ["10.0.0.2/24"], dns_servers: ["10.0.0.53"] }] };
    doc.software = [{ name: "tool", version: "1.0", source: "dpkg", path: "/usr/bin/tool" }];
    doc.processes = [{ id: 1, name: "init", user: "root" }];
    doc.groups = [{ id: "0", name: "root" }];
  }
  for (let seed = 1; seed <= 300; seed++) {
    const rand = prng(seed);
    const doc = mutateLeaves(base[seed % 3], rand) as Facts;
    const { data } = toAuthentikView(doc, {});
    const found = refusals(data);
    assert.deepEqual(found, [], `seed ${seed}`);
    assert.ok(!JSON.stringify({ ...data, vendor: undefined }).includes("null"), `seed ${seed}: no null left`);
  }
});
