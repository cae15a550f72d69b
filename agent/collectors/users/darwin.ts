/**
 * macOS local users from `dscl . -readall /Users UniqueID RealName NFSHomeDirectory RecordName`:
 * records separated by "-", attributes as "Key: value" or "Key:" followed by an indented value line.
 */
import type { UserFacts } from "../../../shared/facts/schema.ts";

export function parseDsclRecords(text: string): Array<Record<string, string>> {
  const records: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  let pending: string | null = null;
  for (const line of text.split("\n")) {
    if (line.trim() === "-") {
      if (Object.keys(current).length) records.push(current);
      current = {};
      pending = null;
      continue;
    }
    if (pending && /^\s+\S/.test(line)) {
      current[pending] = line.trim();
      pending = null;
      continue;
    }
    const m = /^(?:dsAttrTypeNative:)?(\w+):\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[2] === "") pending = m[1]!;
    else current[m[1]!] = m[2]!;
  }
  if (Object.keys(current).length) records.push(current);
  return records;
}

export function usersFromDscl(text: string): UserFacts[] {
  return parseDsclRecords(text)
    .filter((r) => r.RecordName && r.UniqueID)
    .map((r) => ({ id: r.UniqueID!, username: r.RecordName!.split(" ")[0]!, name: r.RealName ?? null, home: r.NFSHomeDirectory ?? null }));
}
