/**
 * macOS application firewall through `socketfilterfw`. osquery's `alf` table read
 * /Library/Preferences/com.apple.alf.plist, which macOS 15 no longer writes, and so reported
 * nothing; socketfilterfw answers on every version. The plist stays as the second method for
 * macOS ≤ 14 when socketfilterfw's wording is not recognised.
 */
import { known, unknown, type Probe } from "../probe.ts";

/** `--getglobalstate`: "Firewall is enabled. (State = 1)" / "Firewall is disabled. (State = 0)"; state 2 = block all. */
export function parseGlobalState(text: string): Probe<{ enabled: boolean; state: number | null }> {
  const state = /\(State = (\d+)\)/.exec(text);
  if (state) return known({ enabled: Number(state[1]) > 0, state: Number(state[1]) });
  const m = /Firewall is (enabled|disabled|blocking all non-essential)/i.exec(text);
  if (!m) return unknown("socketfilterfw --getglobalstate: unrecognised output");
  return known({ enabled: !/disabled/i.test(m[1]!), state: null });
}

/** `--getstealthmode`: "Stealth mode enabled" / "Stealth mode disabled" (macOS 14+: "Firewall stealth mode is on/off"). */
export function parseStealthMode(text: string): Probe<boolean> {
  if (/stealth mode (enabled|is on)/i.test(text)) return known(true);
  if (/stealth mode (disabled|is off)/i.test(text)) return known(false);
  return unknown("socketfilterfw --getstealthmode: unrecognised output");
}

/** `--getblockall`: "Block all DISABLED!" / "Block all ENABLED!" (macOS 14+: "Firewall has block all state set to disabled."). */
export function parseBlockAll(text: string): Probe<boolean> {
  if (/block all (ENABLED|state set to enabled)/i.test(text)) return known(true);
  if (/block all (DISABLED|state set to disabled)/i.test(text)) return known(false);
  return unknown("socketfilterfw --getblockall: unrecognised output");
}

/** `defaults read /Library/Preferences/com.apple.alf globalstate`: 0 off, 1 on, 2 block all. */
export function parseAlfGlobalState(text: string): Probe<boolean> {
  const t = text.trim();
  return /^[0-2]$/.test(t) ? known(t !== "0") : unknown("com.apple.alf globalstate: unrecognised value");
}

/** `route -n get default`: "gateway: 192.168.1.1". */
export function parseRouteGetDefault(text: string): Probe<string | null> {
  const m = /^\s*gateway:\s*(\S+)/m.exec(text);
  if (m) return known(m[1]!);
  return /not in table/i.test(text) ? known(null) : unknown("route get default: no gateway line");
}

/** `scutil --dns`: the "resolver #1" block's nameserver[n] lines are the system's DNS servers. */
export function parseScutilDns(text: string): string[] {
  const first = text.split(/\nresolver #\d+/)[1] ?? "";
  return [...first.matchAll(/nameserver\[\d+\]\s*:\s*(\S+)/g)].map((m) => m[1]!);
}
