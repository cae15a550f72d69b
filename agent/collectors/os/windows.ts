/**
 * Windows os facts from the registry (CurrentVersion key), not from `systeminfo` or WMI Caption,
 * which are localized. `ProductName` still says "Windows 10" on Windows 11: the build decides
 * (≥ 22000 is Windows 11). The full build is major.minor.build.UBR, UBR being the monthly patch.
 */
import { parsePsList, psInt, psStr } from "../parse/ps-list.ts";
import { known, unknown, type Probe } from "../probe.ts";

export const WINDOWS_VERSION_SCRIPT =
  "Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion' | Format-List ProductName,DisplayVersion,ReleaseId,EditionID,CurrentMajorVersionNumber,CurrentMinorVersionNumber,CurrentBuildNumber,CurrentBuild,UBR";

/** Newest hotfix install date, printed culture-invariant (Get-HotFix's own InstalledOn is localized). */
export const WINDOWS_HOTFIX_SCRIPT =
  "Get-HotFix | Where-Object { $_.InstalledOn } | ForEach-Object { $_.InstalledOn.ToString('yyyy-MM-dd') } | Sort-Object -Descending | Select-Object -First 1";

export interface WindowsVersion { name: string; version: string; build: string }

export function parseWindowsVersion(text: string): Probe<WindowsVersion> {
  const r = Object.assign({}, ...parsePsList(text)) as Record<string, string>;
  const buildNumber = psInt(r.CurrentBuildNumber) ?? psInt(r.CurrentBuild);
  const productName = psStr(r.ProductName);
  if (buildNumber === null || !productName) return unknown("CurrentVersion registry key: no CurrentBuildNumber/ProductName");
  const major = psInt(r.CurrentMajorVersionNumber) ?? 10;
  const minor = psInt(r.CurrentMinorVersionNumber) ?? 0;
  const ubr = psInt(r.UBR);
  const name = buildNumber >= 22000 ? productName.replace(/^Windows 10\b/, "Windows 11") : productName;
  // version stays numeric (10.0.22631) so policies compare it the way Okta's OS-version rules do.
  return known({
    name,
    version: `${major}.${minor}.${buildNumber}`,
    build: `${major}.${minor}.${buildNumber}${ubr === null ? "" : `.${ubr}`}`,
  });
}

export function parseHotfixDate(text: string): Probe<string> {
  const date = text.trim();
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? known(date) : unknown(date ? `Get-HotFix: unrecognised date "${date}"` : "Get-HotFix: no hotfix with an install date");
}
