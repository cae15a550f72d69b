/**
 * Windows firewall per profile (Domain, Private, Public) from the *active* policy store, which
 * includes Group Policy (the local store alone can say "off" while GPO enforces "on"); gateway and
 * DNS from NetTCPIP cmdlets. `netsh advfirewall` is not used: its text is localized.
 */
import { parsePsList, psArray, psBool, psStr } from "../parse/ps-list.ts";
import { known, unknown, type Probe } from "../probe.ts";

export const WINDOWS_FIREWALL_SCRIPT =
  "Get-NetFirewallProfile -PolicyStore ActiveStore | Format-List Name,Enabled,DefaultInboundAction,DefaultOutboundAction";

export const WINDOWS_ROUTE_DNS_SCRIPT = [
  "Get-NetRoute -DestinationPrefix '0.0.0.0/0' -ErrorAction SilentlyContinue | Sort-Object RouteMetric | Select-Object -First 1 | Format-List NextHop",
  "Get-DnsClientServerAddress -AddressFamily IPv4 | Where-Object { $_.ServerAddresses } | Format-List InterfaceAlias,ServerAddresses",
].join("; ");

export interface FirewallProfile { name: string; enabled: boolean | null; inbound: string | null; outbound: string | null }

export function parseFirewallProfiles(text: string): Probe<FirewallProfile[]> {
  const profiles = parsePsList(text).filter((r) => r.Name).map((r) => ({
    name: r.Name!, enabled: psBool(r.Enabled), inbound: psStr(r.DefaultInboundAction), outbound: psStr(r.DefaultOutboundAction),
  }));
  return profiles.length > 0 ? known(profiles) : unknown("Get-NetFirewallProfile: no profiles in output");
}

/**
 * Enabled means every profile filters: a laptop moves between networks, and each profile applies
 * somewhere. A profile that is on but whose default inbound action is Allow lets every unsolicited
 * connection in, so it does not filter; NotConfigured means the default, Block.
 */
export function firewallEnabledFromProfiles(profiles: FirewallProfile[]): Probe<boolean> {
  if (profiles.some((p) => p.enabled === false)) return known(false);
  if (profiles.some((p) => /^Allow$/i.test(p.inbound ?? ""))) return known(false);
  if (profiles.some((p) => p.enabled === null)) return unknown("Get-NetFirewallProfile: a profile's Enabled value is unrecognised");
  return known(true);
}

export function parseRouteAndDns(text: string): { gateway: string | null; dns: Record<string, string[]> } {
  const records = parsePsList(text);
  const gateway = psStr(records.find((r) => "NextHop" in r)?.NextHop) ?? null;
  const dns: Record<string, string[]> = {};
  for (const r of records) if (r.InterfaceAlias) dns[r.InterfaceAlias] = psArray(r.ServerAddresses);
  return { gateway, dns };
}
