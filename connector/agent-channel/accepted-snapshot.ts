/**
 * The StoredSnapshot an accepted frame becomes, with `facts` and `unknown` read from its body only
 * when someone asks (a sign-in's policy check, a device page): the verify thread already parsed
 * and checked the body, and most snapshots are superseded before anyone reads their facts. The
 * properties are enumerable own getters, so spreads and JSON.stringify see them as plain fields;
 * the body is parsed at most once.
 */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import type { StoredSnapshot } from "../store/types.ts";

export function acceptedSnapshot(fields: Omit<StoredSnapshot, "facts" | "unknown">): StoredSnapshot {
  let parsed: { facts: Facts; unknown: Unknown } | undefined;
  const body = () => (parsed ??= JSON.parse(fields.body) as { facts: Facts; unknown: Unknown });
  return Object.defineProperties({ ...fields } as StoredSnapshot, {
    facts: { enumerable: true, get: () => body().facts },
    unknown: { enumerable: true, get: () => body().unknown },
  });
}
