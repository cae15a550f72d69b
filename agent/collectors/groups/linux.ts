/** Local groups from /etc/group. */
import type { GroupFacts } from "../../../shared/facts/schema.ts";

export function parseGroupFile(text: string): GroupFacts[] {
  const out: GroupFacts[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#") || line.startsWith("+")) continue;
    const [name, , gid] = line.split(":");
    if (name && gid && /^\d+$/.test(gid)) out.push({ id: gid, name });
  }
  return out;
}
