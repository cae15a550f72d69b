/**
 * Windows local users. `LocalAccount=True` matters: without it Win32_UserAccount enumerates the
 * whole domain on a domain-joined machine, for minutes. Home directories from Win32_UserProfile.
 */
import type { UserFacts } from "../../../shared/facts/schema.ts";
import { parsePsList, psStr } from "../parse/ps-list.ts";

export const WINDOWS_USERS_SCRIPT = [
  "$p = @{}; Get-CimInstance Win32_UserProfile | ForEach-Object { $p[$_.SID] = $_.LocalPath }",
  "Get-CimInstance Win32_UserAccount -Filter 'LocalAccount=True' | ForEach-Object { [pscustomobject]@{ SID = $_.SID; Name = $_.Name; FullName = $_.FullName; Home = $p[$_.SID] } } | Format-List SID,Name,FullName,Home",
].join("; ");

export function parseWindowsUsers(text: string): UserFacts[] {
  return parsePsList(text).filter((r) => r.SID && r.Name)
    .map((r) => ({ id: r.SID!, username: r.Name!, name: psStr(r.FullName), home: psStr(r.Home) }));
}
