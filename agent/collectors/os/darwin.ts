/**
 * macOS os facts from `sw_vers`. A Rapid Security Response shows as ProductVersionExtra "(a)"
 * and a BuildVersion with a letter suffix (22E772610a); both stay in `version`/`build` so a
 * policy can tell 13.3.1 from 13.3.1 (a). Last patch date from the install history plist.
 */
import { known, unknown, type Probe } from "../probe.ts";

export interface SwVers { name: string; version: string; build: string; extra: string | null }

export function parseSwVers(text: string): Probe<SwVers> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+):\s*(.*)$/.exec(line.trim());
    if (m) fields[m[1]!] = m[2]!.trim();
  }
  const { ProductName: name, ProductVersion: version, BuildVersion: build } = fields;
  if (!name || !version || !build) return unknown("sw_vers: missing ProductName/ProductVersion/BuildVersion");
  return known({ name, version, build, extra: fields.ProductVersionExtra || null });
}

/**
 * `plutil -convert json -o - /Library/Receipts/InstallHistory.plist`: the newest entry installed
 * by softwareupdated (OS updates, XProtect, RSRs), not by app installers.
 */
export function parseInstallHistory(json: string): Probe<string> {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    return unknown("InstallHistory.plist: not JSON");
  }
  if (!Array.isArray(entries)) return unknown("InstallHistory.plist: not an array");
  let last: string | null = null;
  for (const e of entries as Array<Record<string, unknown>>) {
    if (e?.processName !== "softwareupdated" || typeof e.date !== "string") continue;
    if (!last || e.date > last) last = e.date;
  }
  return last ? known(last) : unknown("InstallHistory.plist: no softwareupdated entries");
}
