import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseIptablesInput, parseNftRuleset, parseProcNetRoute, parseResolvConf, parseUfwStatus, parseFirewalldState } from "./linux.ts";
import { parseAlfGlobalState, parseBlockAll, parseGlobalState, parseRouteGetDefault, parseStealthMode } from "./darwin.ts";
import { firewallEnabledFromProfiles, parseFirewallProfiles, parseRouteAndDns } from "./windows.ts";
import { linuxFirewallVerdict } from "./index.ts";
import { createContext, known } from "../probe.ts";
import { networkCollector } from "./index.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("reads the default gateway from this machine's /proc/net/route", () => {
  assert.deepEqual(parseProcNetRoute(f("debian-12-container.proc-net-route.txt")), { ok: true, value: "192.0.2.1" });
});

test("reads nameservers from resolv.conf", () => {
  assert.deepEqual(parseResolvConf(f("debian-12-container.resolv-conf.txt")), ["10.255.255.53"]);
});

test("nftables with an input chain that drops counts as enabled; an empty ruleset does not", () => {
  // Synthetic `nft -j list ruleset` documents (shape from libnftables-json(5), not recordings).
  const on = JSON.stringify({ nftables: [{ metainfo: {} }, { table: { family: "inet", name: "filter" } },
    { chain: { family: "inet", table: "filter", name: "input", type: "filter", hook: "input", prio: 0, policy: "drop" } }] });
  assert.equal(parseNftRuleset(on).ok && (parseNftRuleset(on) as { value: { enabled: boolean } }).value.enabled, true);
  const empty = JSON.stringify({ nftables: [{ metainfo: {} }] });
  assert.deepEqual(parseNftRuleset(empty), { ok: true, value: { backend: "nftables", enabled: false, detail: { input_chains: [] } } });
});

test("iptables: ACCEPT policy with no rules is off, DROP policy is on", () => {
  assert.equal((parseIptablesInput("-P INPUT ACCEPT\n") as { value: { enabled: boolean } }).value.enabled, false);
  assert.equal((parseIptablesInput("-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n") as { value: { enabled: boolean } }).value.enabled, true);
  assert.equal(parseIptablesInput("iptables v1.8.9: can't initialize").ok, false);
});

test("ufw and firewalld answers", () => {
  assert.equal((parseUfwStatus("Status: active\n\nTo Action From\n") as { value: { enabled: boolean } }).value.enabled, true);
  assert.equal((parseFirewalldState("not running\n") as { value: { enabled: boolean } }).value.enabled, false);
});

test("no backend answering is unknown with every reason, never false", () => {
  const v = linuxFirewallVerdict([{ ok: false, reason: "nft: command not found" }, { ok: false, reason: "iptables: command not found" }]);
  assert.deepEqual(v.enabled, { ok: false, reason: "no firewall backend answered (nft: command not found; iptables: command not found)" });
});

test("one backend filtering makes the firewall enabled", () => {
  const v = linuxFirewallVerdict([{ ok: false, reason: "nft: command not found" }, { ok: true, value: { backend: "ufw", enabled: true, detail: {} } }]);
  assert.deepEqual(v.enabled, { ok: true, value: true });
});

test("reads socketfilterfw on macOS 26 Tahoe (the plist osquery read is gone since macOS 15)", () => {
  assert.deepEqual(parseGlobalState(f("macos-26.socketfilterfw-getglobalstate.txt")), { ok: true, value: { enabled: true, state: 1 } });
  assert.deepEqual(parseStealthMode(f("macos-26.socketfilterfw-getstealthmode.txt")), { ok: true, value: true });
  assert.deepEqual(parseGlobalState(f("macos.socketfilterfw-getglobalstate-disabled.txt")), { ok: true, value: { enabled: false, state: 0 } });
});

test("socketfilterfw wording it does not know is unknown", () => {
  assert.equal(parseGlobalState("Pare-feu activé").ok, false);
  assert.equal(parseBlockAll("").ok, false);
  assert.deepEqual(parseBlockAll("Block all DISABLED! \n"), { ok: true, value: false });
});

test("the com.apple.alf plist value is the second method", () => {
  assert.deepEqual(parseAlfGlobalState("1\n"), { ok: true, value: true });
  assert.deepEqual(parseAlfGlobalState("0\n"), { ok: true, value: false });
  assert.equal(parseAlfGlobalState("The domain/default pair of (com.apple.alf, globalstate) does not exist").ok, false);
});

test("reads the gateway from route -n get default", () => {
  assert.deepEqual(parseRouteGetDefault("   route to: default\ndestination: default\n       mask: default\n    gateway: 192.168.1.1\n"), { ok: true, value: "192.168.1.1" });
});

test("reads Get-NetFirewallProfile on a French-locale Windows: property names are not translated", () => {
  const r = parseFirewallProfiles(f("windows-fr.get-netfirewallprofile-domain.txt"));
  assert.deepEqual(r, { ok: true, value: [{ name: "Domain", enabled: true, inbound: "NotConfigured", outbound: "NotConfigured" }] });
  if (r.ok) assert.deepEqual(firewallEnabledFromProfiles(r.value), { ok: true, value: true });
});

test("one disabled Windows profile makes the firewall not enabled", () => {
  const profiles = [{ name: "Domain", enabled: true, inbound: null, outbound: null }, { name: "Public", enabled: false, inbound: null, outbound: null }];
  assert.deepEqual(firewallEnabledFromProfiles(profiles), { ok: true, value: false });
});

test("reads gateway and per-interface DNS from the Windows route/DNS script", () => {
  const r = parseRouteAndDns("\nNextHop : 10.0.0.1\n\nInterfaceAlias  : Wi-Fi\nServerAddresses : {10.0.0.53, 1.1.1.1}\n");
  assert.deepEqual(r, { gateway: "10.0.0.1", dns: { "Wi-Fi": ["10.0.0.53", "1.1.1.1"] } });
});

test("reports unknown when no firewall tool exists", async () => {
  // Every command fails as on a machine without them (PATH alone does not hide nft: the firewall
  // probes run with the agent's own environment in the C locale).
  const ctx = { ...createContext({ platform: "linux" }), elevated: known(false), run: async (argv: readonly string[]) => ({ ok: false as const, reason: `${argv[0]}: command not found` }) };
  const result = await networkCollector(ctx).collect();
  assert.equal(result.value?.firewall_enabled, null);
  assert.match(result.unknown.firewall_enabled!, /nft: command not found/);
  assert.ok(result.value?.hostname);
});

const enabledOf = (p: { ok: boolean; value?: { enabled: boolean } }) => (p.ok ? p.value!.enabled : "unknown");

test("iptables: ACCEPT policy whose INPUT rules only accept (libvirt's virbr0 DNS/DHCP, CentOS 7) filters nothing", () => {
  assert.equal(enabledOf(parseIptablesInput(f("centos-7.iptables-s-libvirt-accept-only.txt"))), false);
});

test("iptables: firewalld's INPUT chain on Fedora Workstation, ending in REJECT, filters", () => {
  const r = parseIptablesInput(f("fedora-workstation.iptables-s-firewalld-excerpt.txt"));
  assert.equal(enabledOf(r), true);
});

test("iptables: a jump to a chain that only accepts filters nothing; a jump to one that drops filters", () => {
  // Synthetic (not a recording): libvirt ≥ 5.1 puts its INPUT rules in LIBVIRT_INP.
  const accepting = "-P INPUT ACCEPT\n-N LIBVIRT_INP\n-A INPUT -j LIBVIRT_INP\n-A LIBVIRT_INP -i virbr0 -p udp -m udp --dport 53 -j ACCEPT\n";
  assert.equal(enabledOf(parseIptablesInput(accepting)), false);
  const dropping = "-P INPUT ACCEPT\n-N f2b-sshd\n-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd\n-A f2b-sshd -s 203.0.113.7/32 -j REJECT --reject-with icmp-port-unreachable\n-A f2b-sshd -j RETURN\n";
  assert.equal(enabledOf(parseIptablesInput(dropping)), true);
});

test("nftables: an input chain with policy accept whose only rule is `iifname \"lo\" accept` filters nothing", () => {
  assert.equal(enabledOf(parseNftRuleset(f("debian-12.nft-input-accept-lo-only.json"))), false);
});

test("nftables: a drop policy, or a reject rule under an accept policy, filters", () => {
  assert.equal(enabledOf(parseNftRuleset(f("debian-12.nft-input-drop-policy.json"))), true);
  assert.equal(enabledOf(parseNftRuleset(f("debian-12.nft-input-accept-reject-rule.json"))), true);
});

test("Windows: a profile that is on but allows inbound connections by default does not count as filtering", () => {
  const r = parseFirewallProfiles(f("windows-server-ru.get-netfirewallprofile-domain-allow.txt"));
  assert.equal(r.ok && r.value.length, 3);
  if (r.ok) assert.deepEqual(firewallEnabledFromProfiles(r.value), { ok: true, value: false });
});
