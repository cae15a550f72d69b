/**
 * What changed between two snapshots of a device, leaf by leaf. Lists of records are matched by
 * a natural key when every item has a distinct one (`software` by name, `users` by username,
 * `disks` by mountpoint or name…), so one package installed reads as one added row rather than
 * every later index shifting; otherwise by position. Pure, so it is tested on its own.
 *
 *   diffFacts(older, newer) → [{ path: "os.version", kind: "changed", before: "13", after: "14" }, …]
 *
 * An item or key present on one side only is one row holding its whole value.
 */
export type Change =
  | { path: string; kind: "added"; after: unknown }
  | { path: string; kind: "removed"; before: unknown }
  | { path: string; kind: "changed"; before: unknown; after: unknown };

const KEYS = ["username", "mountpoint", "name", "id"] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isRecord = (v: unknown): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The key field that identifies every item of the list uniquely, if there is one. */
function naturalKey(...lists: Json[][]): string | null {
  for (const key of KEYS) {
    const ok = lists.every((list) => {
      const seen = new Set<string>();
      return list.every((item) => {
        if (!isRecord(item)) return false;
        const v = item[key];
        if (typeof v !== "string" && typeof v !== "number") return false;
        if (seen.has(String(v))) return false;
        seen.add(String(v));
        return true;
      });
    });
    if (ok) return key;
  }
  return null;
}

/** A list as an object keyed `[name=x]` (natural key) or `[3]` (position), so paths line up. */
function listAsRecord(list: Json[], key: string | null): Record<string, Json> {
  return Object.fromEntries(list.map((item, i) => [key ? `[${key}=${(item as Record<string, Json>)[key]}]` : `[${i}]`, item]));
}

/** Both documents with their lists turned into records under the key both sides share. */
function align(before: Json | undefined, after: Json | undefined): [Json | undefined, Json | undefined] {
  const lists = [before, after].filter((v): v is Json[] => Array.isArray(v));
  const key = lists.length > 0 ? naturalKey(...lists) : null;
  const asRecord = (v: Json | undefined) => (Array.isArray(v) && v.length > 0 ? listAsRecord(v, key) : v);
  const b = asRecord(before);
  const a = asRecord(after);
  if (isRecord(b) && isRecord(a)) return alignRecords(b, a);
  return [isRecord(b) ? alignRecords(b, {})[0] : b, isRecord(a) ? alignRecords({}, a)[1] : a];
}

function alignRecords(before: Record<string, Json>, after: Record<string, Json>): [Json, Json] {
  const b: Record<string, Json> = {};
  const a: Record<string, Json> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [x, y] = align(before[k], after[k]);
    if (x !== undefined) b[k] = x;
    if (y !== undefined) a[k] = y;
  }
  return [b, a];
}

/** Walks both aligned documents together: a key on one side only is one added or removed row. */
function compare(before: Json | undefined, after: Json | undefined, path: string, out: Change[]): void {
  if (isRecord(before) && isRecord(after)) {
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = !path ? k : k.startsWith("[") ? `${path}${k}` : `${path}.${k}`;
      if (!(k in before)) out.push({ path: p, kind: "added", after: after[k] });
      else if (!(k in after)) out.push({ path: p, kind: "removed", before: before[k] });
      else compare(before[k], after[k], p, out);
    }
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path, kind: "changed", before: before ?? null, after: after ?? null });
}

export function diffFacts(before: unknown, after: unknown, limit = 1000): { changes: Change[]; more: number } {
  const [b, a] = align(before as Json, after as Json);
  const changes: Change[] = [];
  compare(b, a, "", changes);
  changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { changes: changes.slice(0, limit), more: Math.max(0, changes.length - limit) };
}
