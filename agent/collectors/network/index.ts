/**
 * network: hostname, interfaces (MAC, CIDRs, DNS), gateway, `firewall_enabled`, and Facet's
 * `firewall` detail (which backend or profile said so).
 */
import os from "node:os";
import type { Collector, FamilyResult } from "../types.ts";
import type { NetworkFacts } from "../../../shared/facts/schema.ts";
import { Unknowns, known, runsAsRoot, unknown, type Probe, type ProbeContext } from "../probe.ts";
import type { RunResult } from "../runner/run.ts";
import {
  parseFirewalldState, parseIptablesInput, parseNftRuleset, parseProcNetRoute, parseResolvConf, parseUfwStatus, type FirewallVerdict,
} from "./linux.ts";
import { parseAlfGlobalState, parseBlockAll, parseGlobalState, parseRouteGetDefault, parseScutilDns, parseStealthMode } from "./darwin.ts";
import { WINDOWS_FIREWALL_SCRIPT, WINDOWS_ROUTE_DNS_SCRIPT, firewallEnabledFromProfiles, parseFirewallProfiles, parseRouteAndDns } from "./windows.ts";

type Firewall = { enabled: Probe<boolean>; detail: Record<string, unknown> | null };
const C_LOCALE = { ...process.env, LC_ALL: "C", LANG: "C" };

export function interfacesFromNode(ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>, dns: (name: string) => string[] | null): NetworkFacts["interfaces"] {
  const out: NonNullable<NetworkFacts["interfaces"]> = [];
  for (const [name, addrs] of Object.entries(ifaces)) {
    if (!addrs || addrs.every((a) => a.internal)) continue;
    const mac = addrs.find((a) => a.mac && a.mac !== "00:00:00:00:00:00")?.mac ?? null;
    out.push({ name, hardware_address: mac, ip_addresses: addrs.map((a) => a.cidr ?? a.address), dns_servers: dns(name) });
  }
  return out.slice(0, 256);
}

/** Linux: any backend filtering → true; backends that answered but filter nothing → false; none answered → unknown. */
export function linuxFirewallVerdict(results: Array<Probe<FirewallVerdict>>): Firewall {
  const answered = results.filter((r): r is { ok: true; value: FirewallVerdict } => r.ok).map((r) => r.value);
  const detail = Object.fromEntries(answered.map((v) => [v.backend, { enabled: v.enabled, ...v.detail }]));
  if (answered.some((v) => v.enabled)) return { enabled: known(true), detail };
  if (answered.length > 0) return { enabled: known(false), detail };
  const reasons = results.map((r) => (r.ok ? "" : r.reason)).join("; ");
  return { enabled: unknown(`no firewall backend answered (${reasons})`), detail: null };
}

const parsed = <T>(r: RunResult, parse: (s: string) => Probe<T>): Probe<T> => {
  if (r.ok) return parse(r.stdout);
  // firewall-cmd exits 252 with "not running" on stdout: an answer, not a failure.
  if (r.stdout && r.code !== undefined && r.code !== null) {
    const p = parse(r.stdout);
    if (p.ok) return p;
  }
  return unknown(r.reason);
};

async function linuxFirewall(ctx: ProbeContext): Promise<Firewall> {
  const [nft, ipt, ufw, fwd] = await Promise.all([
    ctx.run(["nft", "-j", "list", "ruleset"], { env: C_LOCALE }),
    ctx.run(["iptables", "-S"], { env: C_LOCALE }),
    ctx.run(["ufw", "status"], { env: C_LOCALE }),
    ctx.run(["firewall-cmd", "--state"], { env: C_LOCALE }),
  ]);
  const verdict = linuxFirewallVerdict([
    parsed(nft, parseNftRuleset), parsed(ipt, parseIptablesInput), parsed(ufw, parseUfwStatus), parsed(fwd, parseFirewalldState),
  ]);
  if (!verdict.enabled.ok && !runsAsRoot(ctx)) {
    verdict.enabled = unknown(`${verdict.enabled.reason}; reading firewall rules needs root`);
  }
  return verdict;
}

async function darwinFirewall(ctx: ProbeContext): Promise<Firewall> {
  const fw = "/usr/libexec/ApplicationFirewall/socketfilterfw";
  const [global, stealth, blockAll] = await Promise.all([
    ctx.run([fw, "--getglobalstate"]), ctx.run([fw, "--getstealthmode"]), ctx.run([fw, "--getblockall"]),
  ]);
  let enabled = parsed(global, parseGlobalState);
  let method = "socketfilterfw";
  if (!enabled.ok) {
    const plist = await ctx.run(["defaults", "read", "/Library/Preferences/com.apple.alf", "globalstate"]);
    const second = parsed(plist, parseAlfGlobalState);
    if (second.ok) {
      enabled = known({ enabled: second.value, state: null });
      method = "com.apple.alf plist";
    } else enabled = unknown(`${enabled.reason}; ${second.reason}`);
  }
  const s = parsed(stealth, parseStealthMode);
  const b = parsed(blockAll, parseBlockAll);
  return {
    enabled: enabled.ok ? known(enabled.value.enabled) : enabled,
    detail: {
      method,
      global_state: enabled.ok ? enabled.value.state : null,
      stealth_mode: s.ok ? s.value : null,
      block_all: b.ok ? b.value : null,
      ...(s.ok ? {} : { stealth_mode_unknown: s.reason }),
      ...(b.ok ? {} : { block_all_unknown: b.reason }),
    },
  };
}

async function windowsFirewall(ctx: ProbeContext): Promise<Firewall> {
  const out = await ctx.powershell(WINDOWS_FIREWALL_SCRIPT);
  const profiles = parsed(out, parseFirewallProfiles);
  if (!profiles.ok) return { enabled: profiles, detail: null };
  return { enabled: firewallEnabledFromProfiles(profiles.value), detail: { method: "Get-NetFirewallProfile -PolicyStore ActiveStore", profiles: profiles.value } };
}

export function networkCollector(ctx: ProbeContext): Collector<"network"> {
  return {
    family: "network",
    async collect(): Promise<FamilyResult<"network">> {
      const u = new Unknowns();
      let gateway: Probe<string | null> = unknown(`no gateway probe for ${ctx.platform}`);
      let dnsFor: (name: string) => string[] | null = () => null;
      let firewall: Firewall = { enabled: unknown(`no firewall probe for ${ctx.platform}`), detail: null };
      if (ctx.platform === "linux") {
        const [route, resolv, fw] = await Promise.all([ctx.readText("/proc/net/route"), ctx.readText("/etc/resolv.conf"), linuxFirewall(ctx)]);
        gateway = route.ok ? parseProcNetRoute(route.value) : route;
        const servers = resolv.ok ? parseResolvConf(resolv.value) : null;
        dnsFor = () => servers;
        firewall = fw;
      } else if (ctx.platform === "darwin") {
        const [route, dns, fw] = await Promise.all([ctx.run(["route", "-n", "get", "default"]), ctx.run(["scutil", "--dns"]), darwinFirewall(ctx)]);
        gateway = parsed(route, parseRouteGetDefault);
        const servers = dns.ok ? parseScutilDns(dns.stdout) : null;
        dnsFor = () => servers;
        firewall = fw;
      } else if (ctx.platform === "win32") {
        firewall = await windowsFirewall(ctx);
        const rd = await ctx.powershell(WINDOWS_ROUTE_DNS_SCRIPT);
        if (rd.ok) {
          const { gateway: gw, dns } = parseRouteAndDns(rd.stdout);
          gateway = known(gw);
          dnsFor = (name) => dns[name] ?? [];
        } else gateway = unknown(rd.reason);
      }
      const gw = u.take("gateway", gateway);
      const interfaces = interfacesFromNode(os.networkInterfaces(), dnsFor);
      interfaces?.forEach((iface, i) => {
        if (iface.dns_servers === null) u.set(`interfaces[${i}].dns_servers`, "DNS configuration not readable");
        if (iface.hardware_address === null) u.set(`interfaces[${i}].hardware_address`, "interface has no MAC address");
      });
      return {
        value: {
          hostname: os.hostname(),
          firewall_enabled: u.take("firewall_enabled", firewall.enabled),
          // gateway is optional in the schema: a machine without a default route has none (not unknown).
          ...(gw === null && gateway.ok ? {} : { gateway: gw }),
          interfaces,
          firewall: firewall.detail,
        },
        unknown: firewall.detail === null ? { ...u.map, firewall: u.map.firewall_enabled ?? "firewall not readable" } : u.map,
      };
    },
  };
}
