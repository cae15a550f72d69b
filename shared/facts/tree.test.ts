import { test } from "node:test";
import assert from "node:assert/strict";
import { renderFactsTree, UNKNOWN_MARK } from "./tree.ts";

const facts = {
  os: { family: "linux", name: "Debian GNU/Linux", version: null, arch: "x64" },
  disks: [{ name: "/dev/sda1", mountpoint: "/", capacity_total_bytes: 123472097280, encryption_enabled: null }],
  network: { hostname: "box", interfaces: [{ name: "eth0", ip_addresses: ["10.0.0.2/24", "fe80::1/64"] }] },
  software: null,
  vendor: { "facet.dev/agent": { agent_version: "0.1.0" } },
};
const unknown = {
  "os.version": "lsb_release: command not found",
  "disks[0].encryption_enabled": "cryptsetup: permission denied",
  software: "not collected on linux yet",
};

test("marks each unknown fact with its reason at its place in the tree", () => {
  const text = renderFactsTree(facts, unknown);
  assert.match(text, /^ {2}version: \? unknown — lsb_release: command not found$/m);
  assert.match(text, /^ {4}encryption_enabled: \? unknown — cryptsetup: permission denied$/m);
  assert.match(text, /^software: \? unknown — not collected on linux yet$/m);
  assert.doesNotMatch(text, /other unknowns/);
});

test("shows known values plainly, arrays indexed and bytes in human units", () => {
  const text = renderFactsTree(facts, unknown);
  assert.match(text, /^ {2}family: linux$/m);
  assert.match(text, /^disks \(1 item\)$/m);
  assert.match(text, /^ {2}\[0\]$/m);
  assert.match(text, /capacity_total_bytes: 123472097280 \(115 GiB\)/);
  assert.match(text, /ip_addresses: 10\.0\.0\.2\/24, fe80::1\/64/);
  assert.match(text, /^ {2}facet\.dev\/agent$/m);
});

test("flags a null that has no recorded reason instead of hiding it", () => {
  const text = renderFactsTree({ hardware: { serial: null } }, {});
  assert.match(text, /serial: \? unknown — \(no reason recorded\)/);
});

test("lists reasons whose path is not in the document at the end", () => {
  const text = renderFactsTree({ os: null }, { os: "not collected", "disks[3].encryption_enabled": "gone" });
  assert.match(text, /other unknowns\n {2}disks\[3\]\.encryption_enabled: \? unknown — gone/);
  assert.equal(text.split(UNKNOWN_MARK).length - 1, 2);
});

test("truncates long arrays and says how many were left out", () => {
  const processes = Array.from({ length: 40 }, (_, i) => ({ id: i, name: `p${i}`, user: "root" }));
  const text = renderFactsTree({ processes }, {}, { maxArrayItems: 5 });
  assert.match(text, /^processes \(40 items\)$/m);
  assert.match(text, /… 35 more/);
  assert.doesNotMatch(text, /p5\b/);
  assert.match(text, /^ {2}\[0\] id: 0, name: p0, user: root$/m, "flat rows take one line each");
});

test("never echoes control characters from the device to the terminal", () => {
  const text = renderFactsTree({ network: { hostname: "evil\u001b[2Jhost" } }, {});
  assert.doesNotMatch(text, /\u001b/);
});

test("keeps an array item expanded when one of its facts is unknown, so the reason shows in place", () => {
  const text = renderFactsTree({ users: [{ id: "0", username: "root", name: null }] }, { "users[0].name": "no full name recorded" });
  assert.match(text, /^ {2}\[0\]\n {4}id: 0\n {4}username: root\n {4}name: \? unknown — no full name recorded$/m);
});

test("finds a vendor fact's reason under the dotted path the agent writes (a vendor id holds dots)", () => {
  const vendorFacts = { vendor: { "facet.dev/agent": { device_certificate: { not_after: null } } } };
  const reasons = { "vendor.facet.dev/agent.device_certificate.not_after": "no device certificate has been installed yet" };
  const text = renderFactsTree(vendorFacts, reasons);
  assert.match(text, /^ {6}not_after: \? unknown — no device certificate has been installed yet$/m);
  assert.doesNotMatch(text, /no reason recorded|other unknowns/);
});
