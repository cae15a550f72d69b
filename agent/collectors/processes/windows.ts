/**
 * Windows processes. `Get-Process -IncludeUserName` needs Administrator; without it the owner is
 * unknown and the list comes from Win32_Process (with command lines).
 */
import type { ProcessFacts } from "../../../shared/facts/schema.ts";
import { parsePsList, psInt, psStr } from "../parse/ps-list.ts";

export const WINDOWS_PROCESSES_SCRIPT = [
  "$owners = @{}; try { Get-Process -IncludeUserName -ErrorAction Stop | ForEach-Object { $owners[$_.Id] = $_.UserName } } catch { }",
  "Get-CimInstance Win32_Process | ForEach-Object { [pscustomobject]@{ Id = $_.ProcessId; Name = $(if ($_.CommandLine) { $_.CommandLine } else { $_.Name }); User = $owners[[int]$_.ProcessId] } } | Format-List Id,Name,User",
].join("; ");

export function parseWindowsProcesses(text: string): ProcessFacts[] {
  return parsePsList(text).map((r) => ({ id: psInt(r.Id) ?? -1, name: psStr(r.Name) ?? "", user: psStr(r.User) }))
    .filter((p) => p.id >= 0 && p.name);
}
