/**
 * Linux network: default gateway from /proc/net/route (no tool needed), DNS from resolv.conf,
 * and the firewall from whichever backend is present: nftables, iptables, ufw, firewalld. A
 * firewall is "enabled" when a backend filters inbound traffic (a rule or a drop/reject policy
 * in an input hook), not merely when the tool is installed.
 */
import { known, unknown, type Probe } from "../probe.ts";

/** /proc/net/route: little-endian hex; the default route has Destination 00000000 and flag RTF_GATEWAY (0x2). */
export function parseProcNetRoute(text: string): Probe<string | null> {
  const lines = text.trim().split("\n");
  if (!/^Iface\s+Destination\s+Gateway/.test(lines[0] ?? "")) return unknown("/proc/net/route: unrecognised header");
  for (const line of lines.slice(1)) {
    const [, dest, gw, flags] = line.trim().split(/\s+/);
    if (dest === "00000000" && gw && (Number.parseInt(flags ?? "0", 16) & 0x2) !== 0) {
      const n = Number.parseInt(gw, 16);
      return known([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join("."));
    }
  }
  return known(null);
}

export function parseResolvConf(text: string): string[] {
  return text.split("\n").map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((s): s is string => !!s);
}

export interface FirewallVerdict { backend: string; enabled: boolean; detail: Record<string, unknown> }

/**
 * `nft -j list ruleset`: enabled when some input-hooked filter chain can refuse a packet: a drop
 * policy, or a rule that drops or rejects, directly or through a chain it jumps to. A chain that
 * only accepts (`iifname "lo" accept` under `policy accept`) filters nothing.
 */
export function parseNftRuleset(json: string): Probe<FirewallVerdict> {
  let doc: { nftables?: Array<Record<string, Record<string, unknown>>> };
  try {
    doc = JSON.parse(json) as typeof doc;
  } catch {
    return unknown("nft: output is not JSON");
  }
  if (!Array.isArray(doc.nftables)) return unknown("nft: no nftables array");
  const inputChains = new Map<string, { policy: string | null; rules: number }>();
  // Per chain ("family table name"): whether a rule drops or rejects, and the chains its rules jump to.
  const verdicts = new Map<string, { refuses: boolean; jumps: string[] }>();
  for (const item of doc.nftables) {
    const chain = item.chain;
    if (chain && chain.hook === "input" && chain.type === "filter") {
      inputChains.set(`${chain.family} ${chain.table} ${chain.name}`, { policy: (chain.policy as string) ?? null, rules: 0 });
    }
  }
  for (const item of doc.nftables) {
    const rule = item.rule;
    if (!rule) continue;
    const key = `${rule.family} ${rule.table} ${rule.chain}`;
    const c = inputChains.get(key);
    if (c) c.rules++;
    const expr = JSON.stringify(rule.expr ?? []);
    const v = verdicts.get(key) ?? { refuses: false, jumps: [] };
    // Verdicts also sit inside verdict maps (`vmap`), hence the search through the whole expression.
    if (/"(drop|reject)":/.test(expr)) v.refuses = true;
    for (const m of expr.matchAll(/"(?:jump|goto)":\{"target":"([^"]+)"\}/g)) v.jumps.push(`${rule.family} ${rule.table} ${m[1]}`);
    verdicts.set(key, v);
  }
  const refuses = (key: string, seen = new Set<string>()): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    const v = verdicts.get(key);
    return !!v && (v.refuses || v.jumps.some((j) => refuses(j, seen)));
  };
  const chains = [...inputChains.entries()].map(([name, c]) => ({ name, ...c, filtering: c.policy === "drop" || refuses(name) }));
  return known({ backend: "nftables", enabled: chains.some((c) => c.filtering), detail: { input_chains: chains } });
}

/**
 * `iptables -S` (the filter table): enabled when INPUT drops by default, or one of its rules can
 * drop or reject, directly or through the user chains it jumps to. libvirt's DNS/DHCP ACCEPT rules
 * on virbr0 under `-P INPUT ACCEPT` filter nothing. `iptables -S INPUT` output reads the same,
 * minus what the jumped-to chains hold (a jump to a chain not listed counts as accepting).
 */
export function parseIptablesInput(text: string): Probe<FirewallVerdict> {
  const policy = /^-P INPUT (\w+)/m.exec(text)?.[1] ?? null;
  if (!policy) return unknown("iptables: no INPUT policy line");
  const targets = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const m = /^-A (\S+) (?:.* )?-[jg] (\S+)/.exec(line.trim());
    if (m) targets.set(m[1]!, [...(targets.get(m[1]!) ?? []), m[2]!]);
  }
  const refuses = (chain: string, seen = new Set<string>()): boolean => {
    if (seen.has(chain)) return false;
    seen.add(chain);
    return (targets.get(chain) ?? []).some((t) => t === "DROP" || t === "REJECT" || refuses(t, seen));
  };
  const rules = text.split("\n").filter((l) => l.startsWith("-A INPUT ")).length;
  return known({ backend: "iptables", enabled: policy !== "ACCEPT" || refuses("INPUT"), detail: { input_policy: policy, input_rules: rules } });
}

/** `ufw status`: "Status: active" / "Status: inactive" (ufw is not localized in practice; LC_ALL=C anyway). */
export function parseUfwStatus(text: string): Probe<FirewallVerdict> {
  const m = /^Status:\s*(active|inactive)/m.exec(text);
  if (!m) return unknown("ufw status: unrecognised output");
  return known({ backend: "ufw", enabled: m[1] === "active", detail: { status: m[1] } });
}

/** `firewall-cmd --state`: "running" / "not running" (exit 252 when not running). */
export function parseFirewalldState(text: string): Probe<FirewallVerdict> {
  const t = text.trim();
  if (t === "running") return known({ backend: "firewalld", enabled: true, detail: { state: t } });
  if (t === "not running") return known({ backend: "firewalld", enabled: false, detail: { state: t } });
  return unknown("firewall-cmd --state: unrecognised output");
}
