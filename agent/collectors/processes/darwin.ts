/** macOS processes from `ps -axww -o pid=,user=,command=` (user names longer than the column are cut by ps, not by us). */
import type { ProcessFacts } from "../../../shared/facts/schema.ts";

export const DARWIN_PS = ["ps", "-axww", "-o", "pid=,user=,command="] as const;

export function parsePsOutput(text: string): ProcessFacts[] {
  const out: ProcessFacts[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(\d+)\s+(\S+)\s+(.+)$/.exec(line);
    if (m) out.push({ id: Number(m[1]), user: m[2]!, name: m[3]!.trim() });
  }
  return out;
}
