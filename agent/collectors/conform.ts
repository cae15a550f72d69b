/**
 * Makes the assembled document pass the shared schema before it is signed.
 *
 * The connector rejects a snapshot that does not match FactsSchema, and resending it would be
 * rejected the same way, so one odd value on a device (a 10 KB command line from a CI runner, a
 * vendor string with a stray type) would otherwise keep the whole device dark. Here an over-long
 * string is cut and marked with "…", an over-long list is cut to the limit, and any other
 * mismatch makes the value `null` with the schema's complaint as its reason; a family that still
 * does not fit becomes `null` as a whole.
 */
import { FactsSchema, type Facts } from "../../shared/facts/schema.ts";
import { joinFactPath } from "../../shared/facts/paths.ts";

const UNKNOWN_PATH_MAX = 256;
const UNKNOWN_REASON_MAX = 1024;
const MAX_PASSES = 3;

type Key = PropertyKey;
type Container = Record<Key, unknown> | unknown[];

export interface Conformed {
  facts: Facts;
  unknown: Record<string, string>;
  /** Paths that were cut or nulled, for the agent's log. */
  repaired: string[];
}

export function conformFacts(facts: Facts, unknown: Record<string, string>): Conformed {
  const repaired: string[] = [];
  let current = facts;
  const reasons = { ...unknown };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const parsed = FactsSchema.safeParse(current);
    if (parsed.success) return { facts: current, unknown: boundUnknown(reasons), repaired };
    // Collectors' results may be cached across runs (hardware), so repair a copy.
    if (pass === 0) current = structuredClone(current);
    const last = pass === MAX_PASSES - 1;
    for (const issue of parsed.error.issues) {
      const path = issue.path;
      const label = pathLabel(path);
      const parent = path.length > 0 ? lookup(current, path.slice(0, -1)) : undefined;
      const key = path[path.length - 1];
      if (parent === undefined || key === undefined) continue;
      const value = (parent as Record<Key, unknown>)[key];
      if (!last && issue.code === "too_big" && typeof value === "string") {
        (parent as Record<Key, unknown>)[key] = truncate(value, Number(issue.maximum));
      } else if (!last && issue.code === "too_big" && Array.isArray(value)) {
        value.length = Number(issue.maximum);
      } else if (!last && path.length > 1) {
        (parent as Record<Key, unknown>)[key] = null;
        reasons[label] = `did not match the facts schema: ${issue.message}`;
      } else {
        const family = String(path[0]);
        (current as Record<string, unknown>)[family] = null;
        for (const k of Object.keys(reasons)) if (k.startsWith(`${family}.`) || k.startsWith(`${family}[`)) delete reasons[k];
        reasons[family] = `did not match the facts schema at ${label}: ${issue.message}`;
      }
      repaired.push(label);
    }
  }
  return { facts: current, unknown: boundUnknown(reasons), repaired };
}

/** Cuts to at most `max` UTF-16 units including the "…", never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

function boundUnknown(unknown: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, reason] of Object.entries(unknown)) out[truncate(path, UNKNOWN_PATH_MAX)] = truncate(reason, UNKNOWN_REASON_MAX);
  return out;
}

function lookup(root: unknown, path: readonly Key[]): Container | undefined {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<Key, unknown>)[key];
  }
  return node !== null && typeof node === "object" ? (node as Container) : undefined;
}

function pathLabel(path: readonly Key[]): string {
  return path.reduce<string>((acc, key) => joinFactPath(acc, typeof key === "number" ? `[${key}]` : String(key)), "");
}
