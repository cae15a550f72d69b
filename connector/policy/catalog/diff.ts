/**
 * What changed between two catalogs, one line per release, for people reading `facet os-catalog
 * update` and for the `os_catalog.updated` event.
 *
 *   diffCatalogs(before, after)  // ["macOS 26 (Tahoe): latest 26.6.1 → 26.6.2 (2026-08-17, 28 CVEs)", …]
 */
import type { OsCatalog } from "./schema.ts";

export function diffCatalogs(before: OsCatalog, after: OsCatalog): string[] {
  const lines: string[] = [];
  for (const n of after.macos) {
    const p = before.macos.find((r) => r.major === n.major);
    const label = `macOS ${n.major} (${n.name})`;
    const cves = n.latestCves !== undefined ? `, ${n.latestCves} CVEs` : "";
    if (!p) lines.push(`${label}: new, latest ${n.latest} (${n.latestReleased}${cves})`);
    else {
      if (p.latest !== n.latest) lines.push(`${label}: latest ${p.latest} → ${n.latest} (${n.latestReleased}${cves})`);
      if (p.supported !== n.supported) lines.push(`${label}: ${n.supported ? "supported again" : "no longer supported"}`);
    }
  }
  for (const n of after.windows) {
    const p = before.windows.find((r) => r.build === n.build);
    const label = `${n.product === "WINDOWS_11" ? "Windows 11" : "Windows 10"} ${n.release} (build ${n.build})`;
    const last = n.updates.at(-1)!;
    const update = `10.0.${n.build}.${last.ubr}${last.kb ? ` ${last.kb}` : ""} (${last.date})`;
    if (!p) lines.push(`${label}: new, latest update ${update}`);
    else {
      if (p.updates.at(-1)!.ubr !== last.ubr) lines.push(`${label}: latest update 10.0.${p.build}.${p.updates.at(-1)!.ubr} → ${update}`);
      if (p.endOfSupport !== n.endOfSupport) lines.push(`${label}: end of support ${p.endOfSupport ?? "unknown"} → ${n.endOfSupport ?? "unknown"}`);
    }
  }
  for (const d of after.linux) {
    const pd = before.linux.find((x) => x.id === d.id);
    for (const n of d.releases) {
      const p = pd?.releases.find((r) => r.version === n.version);
      const label = `${d.names[0]} ${n.version}`;
      if (!p) lines.push(`${label}: new (released ${n.released}${n.endOfSupport ? `, supported until ${n.endOfSupport}` : ""})`);
      else {
        if (p.latest !== n.latest) lines.push(`${label}: latest ${p.latest} → ${n.latest}`);
        if (p.endOfSupport !== n.endOfSupport) lines.push(`${label}: end of support ${p.endOfSupport ?? "unknown"} → ${n.endOfSupport ?? "unknown"}`);
      }
    }
  }
  return lines;
}
