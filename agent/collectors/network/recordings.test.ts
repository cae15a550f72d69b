/** Network probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseFirewalldState, parseIptablesInput, parseNftRuleset, parseProcNetRoute, parseResolvConf, parseUfwStatus } from "./linux.ts";
import { firewallEnabledFromProfiles, parseFirewallProfiles } from "./windows.ts";
import { parseBlockAll, parseGlobalState, parseRouteGetDefault, parseScutilDns, parseStealthMode } from "./darwin.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("ufw status verbose on a real server: active", () => {
  assert.deepEqual(parseUfwStatus(f("ubuntu-server-2021.ufw-status-verbose-active.txt")), { ok: true, value: { backend: "ufw", enabled: true, detail: { status: "active" } } });
});

test("iptables -S on a real ufw + fail2ban host: INPUT drops by default and has seven rules", () => {
  const r = parseIptablesInput(f("linux-ufw-fail2ban-2022.iptables-s.txt"));
  assert.deepEqual(r, { ok: true, value: { backend: "iptables", enabled: true, detail: { input_policy: "DROP", input_rules: 7 } } });
});

test("socketfilterfw on a real Mac set to block all: enabled (state 2), stealth on, block-all wording of macOS 14+ read", () => {
  const text = f("macos-kolide-2024.socketfilterfw-all-states.txt");
  assert.deepEqual(parseGlobalState(text), { ok: true, value: { enabled: true, state: 2 } });
  assert.deepEqual(parseStealthMode(text), { ok: true, value: true });
  // The same run says "block all state set to disabled" although the global state is 2 (block all): recorded as printed.
  assert.deepEqual(parseBlockAll(text), { ok: true, value: false });
});

test("nft ruleset recorded on a real machine: its input chain is read", () => {
  const r = parseNftRuleset(f("linux-kolide-2024.nft-json-input-accept-lo.json"));
  assert.ok(r.ok);
  assert.deepEqual(r.value.detail, { input_chains: [{ name: "ip filter INPUT", policy: "accept", rules: 1, filtering: false }] });
});

// Issue 12 listed this shape as a misread: policy accept with only `iifname "lo" accept` filters
// nothing that arrives from the network.
test("nft input chain with policy accept and only a loopback accept rule is not a firewall", () => {
  const r = parseNftRuleset(f("linux-kolide-2024.nft-json-input-accept-lo.json"));
  assert.equal(r.ok && r.value.enabled, false);
});

test("scutil --dns on real Macs: resolver #1's nameservers are the system's", () => {
  assert.deepEqual(parseScutilDns(f("macos-11.2.3.scutil-dns-excerpt.txt")), ["172.16.0.5", "172.16.0.10"]);
  assert.deepEqual(parseScutilDns(f("macos-2024.scutil-dns-excerpt.txt")), ["10.200.0.245", "10.192.206.245"]);
});

test("route get default on a real Mac: the gateway line", () => {
  assert.deepEqual(parseRouteGetDefault(f("macos-2023.route-get-default.txt")), { ok: true, value: "10.62.96.1" });
});

test("/proc/net/route on real machines: the default route's little-endian gateway", () => {
  assert.deepEqual(parseProcNetRoute(f("linux-wifi-2021.proc-net-route.txt")), { ok: true, value: "192.168.18.1" });
  assert.deepEqual(parseProcNetRoute(f("linux-enp4s0-2016.proc-net-route.txt")), { ok: true, value: "192.168.2.1" });
});

test("resolv.conf: systemd-resolved's stub, and resolvconf listing an upstream server before the stub", () => {
  assert.deepEqual(parseResolvConf(f("arch-endeavouros-systemd-255.resolv-conf.txt")), ["127.0.0.53"]);
  assert.deepEqual(parseResolvConf(f("ubuntu-17.04.resolv-conf.txt")), ["172.16.0.2", "127.0.0.53"]);
});

test("firewall-cmd --state while firewalld is still starting: not running", () => {
  assert.deepEqual(parseFirewalldState(f("nixos-26.11.firewall-cmd-state-not-running.txt")), { ok: true, value: { backend: "firewalld", enabled: false, detail: { state: "not running" } } });
});

test("Get-NetFirewallProfile on real Windows: every profile on and blocking inbound", () => {
  const server = parseFirewallProfiles(f("windows-server-htb-fighter.get-netfirewallprofile.txt"));
  assert.ok(server.ok);
  assert.deepEqual(server.value.map((p) => [p.name, p.enabled, p.inbound, p.outbound]), [
    ["Domain", true, "Block", "Block"], ["Private", true, "Block", "Block"], ["Public", true, "Block", "Block"],
  ]);
  assert.deepEqual(firewallEnabledFromProfiles(server.value), { ok: true, value: true });
  const wsl = parseFirewallProfiles(f("windows-11-wsl-docs.get-netfirewallprofile-activestore-domain.txt"));
  assert.deepEqual(wsl, { ok: true, value: [{ name: "Domain", enabled: true, inbound: "Block", outbound: "Allow" }] });
});

test("ufw status on real hosts: inactive on a fresh Omarchy install, active on an Ubuntu 18.04 droplet", () => {
  assert.deepEqual(parseUfwStatus(f("arch-omarchy-2025.ufw-status-inactive.txt")), { ok: true, value: { backend: "ufw", enabled: false, detail: { status: "inactive" } } });
  assert.deepEqual(parseUfwStatus(f("ubuntu-18.04.ufw-status-active.txt")), { ok: true, value: { backend: "ufw", enabled: true, detail: { status: "active" } } });
});

test("socketfilterfw before macOS 14 on a student's Mac: firewall off, \"Block all DISABLED!\" read as not blocking", () => {
  const text = f("macos-fr-student.socketfilterfw-globalstate-blockall-disabled.txt");
  assert.deepEqual(parseGlobalState(text), { ok: true, value: { enabled: false, state: 0 } });
  assert.deepEqual(parseBlockAll(text), { ok: true, value: false });
});
