/**
 * Keeps a snapshot under the connector's `maxPayload`. A frame over the limit would make the
 * connector close the connection, and the agent would resend it forever; instead the bulkiest
 * families are dropped, in this order, each becoming `null` with a reason a reader can act on.
 */
import type { Facts } from "../../shared/facts/schema.ts";
import type { SnapshotContent } from "./build.ts";

const DROP_ORDER = ["software", "processes", "groups", "users"] as const satisfies readonly (keyof Facts)[];

/**
 * Returns content whose frame (measured by `frameBytes`) fits `maxBytes`, or undefined if even the
 * trimmed document does not fit.
 */
export function fitToPayload(
  content: SnapshotContent,
  maxBytes: number,
  frameBytes: (content: SnapshotContent) => number,
): { content: SnapshotContent; dropped: string[] } | undefined {
  let current = content;
  const dropped: string[] = [];
  if (frameBytes(current) <= maxBytes) return { content: current, dropped };
  for (const family of DROP_ORDER) {
    if (current.facts[family] === null) continue;
    const unknown = Object.fromEntries(Object.entries(current.unknown).filter(([path]) => !belongsTo(path, family)));
    unknown[family] = `omitted: the snapshot exceeded the connector's maxPayload of ${maxBytes} bytes`;
    current = { ...current, facts: { ...current.facts, [family]: null }, unknown };
    dropped.push(family);
    if (frameBytes(current) <= maxBytes) return { content: current, dropped };
  }
  return undefined;
}

function belongsTo(path: string, family: string): boolean {
  return path === family || path.startsWith(`${family}[`) || path.startsWith(`${family}.`);
}
