/** Windows local groups (LocalAccount=True, for the same reason as users). */
import type { GroupFacts } from "../../../shared/facts/schema.ts";
import { parsePsList } from "../parse/ps-list.ts";

export const WINDOWS_GROUPS_SCRIPT = "Get-CimInstance Win32_Group -Filter 'LocalAccount=True' | Format-List SID,Name";

export function parseWindowsGroups(text: string): GroupFacts[] {
  return parsePsList(text).filter((r) => r.SID && r.Name).map((r) => ({ id: r.SID!, name: r.Name! }));
}
