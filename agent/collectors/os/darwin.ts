/**
 * macOS os facts from `sw_vers`. A Rapid Security Response shows as ProductVersionExtra "(a)"
 * and a BuildVersion with a letter suffix (22E772610a); both stay in `version`/`build` so a
 * policy can tell 13.3.1 from 13.3.1 (a). Last patch date: the newest real OS update in the install history.
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

interface InstallEntry {
  date?: string;
  displayName?: string;
  contentType?: string;
  processName?: string;
  packageIdentifiers?: string[];
}

const OS_UPDATE_PACKAGE = /^com\.apple\.(pkg\.update\.(os|security)\.|update\.fullbundleupdate\.)/;
const OS_UPDATE_NAME = /^(macOS|Mac OS X|OS X)\b|Security Update|Rapid Security Response|Background Security Improvement/i;

/**
 * A real OS update: installed by softwareupdated (or the macOS installer), not background
 * config-data (XProtect, Gatekeeper, MRT definitions update silently and often), not developer
 * tools, and named as one: an OS update package (10.x to 10.15) or an OS name (Big Sur and later
 * record updates without package ids, "macOS Ventura 13.3.1 (a)").
 */
function isOsUpdate(e: InstallEntry): boolean {
  if (e.contentType === "config-data") return false;
  if (!/^(softwareupdated|macOS Installer|OS X Installer)$/.test(e.processName ?? "")) return false;
  const packages = e.packageIdentifiers ?? [];
  if (/Command Line Tools|Xcode/i.test(e.displayName ?? "") || packages.some((p) => /CLTools|DevSDK/.test(p))) return false;
  return packages.some((p) => OS_UPDATE_PACKAGE.test(p)) || OS_UPDATE_NAME.test(e.displayName ?? "");
}

/**
 * /Library/Receipts/InstallHistory.plist as XML (`plutil -convert xml1 -o -`; the JSON conversion
 * refuses the file's <date> values) or as JSON: the date of the newest macOS update.
 */
export function parseInstallHistory(text: string): Probe<string> {
  const entries = text.trimStart().startsWith("[") ? installEntriesFromJson(text) : installEntriesFromXml(text);
  if (!entries) return unknown("InstallHistory.plist: unrecognised format");
  let last: string | null = null;
  for (const e of entries) {
    if (!e || typeof e !== "object" || typeof e.date !== "string" || !isOsUpdate(e)) continue;
    if (!last || e.date > last) last = e.date;
  }
  return last ? known(last) : unknown("InstallHistory.plist: no macOS update installed (only config-data, tools or apps)");
}

function installEntriesFromJson(json: string): InstallEntry[] | null {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? (parsed as InstallEntry[]) : null;
  } catch {
    return null;
  }
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescapeXml = (s: string): string => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e]!);

/** The plist's top-level array of flat dicts; only strings, dates and arrays of strings are read. */
function installEntriesFromXml(xml: string): InstallEntry[] | null {
  if (!/<plist[\s>]/.test(xml) || !/<array>/.test(xml)) return null;
  const entries: InstallEntry[] = [];
  for (const dict of xml.matchAll(/<dict>([\s\S]*?)<\/dict>/g)) {
    const entry: Record<string, string | string[]> = {};
    const pairs = /<key>([^<]*)<\/key>\s*(?:<(string|date)>([^<]*)<\/\2>|<(?:string|date)\/>|<array>([\s\S]*?)<\/array>|<array\/>)/g;
    for (const m of dict[1]!.matchAll(pairs)) {
      const key = unescapeXml(m[1]!);
      if (m[4] !== undefined) entry[key] = [...m[4].matchAll(/<string>([^<]*)<\/string>/g)].map((x) => unescapeXml(x[1]!));
      else entry[key] = unescapeXml(m[3] ?? "");
    }
    entries.push(entry as InstallEntry);
  }
  return entries;
}
