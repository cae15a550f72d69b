/** macOS local groups from `dscl . -list /Groups PrimaryGroupID`: "name   id" per line. */
import type { GroupFacts } from "../../../shared/facts/schema.ts";

export function parseDsclGroupList(text: string): GroupFacts[] {
  return text.split("\n").map((l) => l.trim().split(/\s+/)).filter((c) => c.length === 2 && /^-?\d+$/.test(c[1]!))
    .map(([name, id]) => ({ id: id!, name: name! }));
}
