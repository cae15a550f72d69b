/**
 * Windows installed programs from the Uninstall registry keys: 64-bit, 32-bit (WOW6432Node) and
 * every loaded user hive (per-user installs such as VS Code or Zoom), not Win32_Product, whose
 * query triggers a consistency check (and repair) of every MSI package.
 */
import type { SoftwareFacts } from "../../../shared/facts/schema.ts";
import { parsePsList, psStr } from "../parse/ps-list.ts";

export const WINDOWS_SOFTWARE_SCRIPT = [
  "$paths = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*','HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*','Registry::HKEY_USERS\\*\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*'",
  "Get-ItemProperty -Path $paths -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -and -not $_.SystemComponent } | Format-List DisplayName,DisplayVersion,Publisher,InstallLocation",
].join("; ");

export function parseUninstallEntries(text: string): SoftwareFacts[] {
  const seen = new Set<string>();
  const out: SoftwareFacts[] = [];
  for (const r of parsePsList(text)) {
    const name = psStr(r.DisplayName);
    if (!name) continue;
    const version = psStr(r.DisplayVersion);
    const key = `${name}\u0000${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ name, version, source: "registry", path: psStr(r.InstallLocation), ...(psStr(r.Publisher) ? { vendor: psStr(r.Publisher) } : {}) });
  }
  return out;
}
