/**
 * What a sign-in evaluates: a device's latest snapshot without its inventories
 * (policy/inventories.ts). A real snapshot is ~64 KB, nearly all of it inventories, while the
 * families built-in checks read are a few KB; holding only those lets the sign-in cache keep a
 * large fleet in memory, so a check seldom reads a whole body from the store.
 *
 * The text is made where the facts are already parsed: on the verify thread at ingest
 * (agent-channel/frame-verdict.ts), and stored beside the snapshot (`snapshot_policy_facts`), so
 * a device not held is read as these few KB; from a whole stored snapshot only when no text was
 * stored for its seq, or under an older POLICY_FACTS_VERSION. It is parsed on the first sign-in
 * that reads it.
 *
 * Reading an inventory from a policy snapshot throws rather than answering "missing": a check that
 * did read one would otherwise see an unknown fact and decide on it. Policies whose custom checks
 * can read inventories are evaluated from the whole snapshot instead (ComplianceService.readsInventory).
 *
 *   const text = policyFactsText(body.facts, body.unknown);                  // at ingest
 *   const held = policySnapshotFromText({ deviceId, seq, collectedAt }, text);
 *   held.facts.os;       // as in the snapshot
 *   held.facts.software; // throws
 */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { INVENTORY_FAMILIES } from "../policy/inventories.ts";
import type { PolicyFacts, StoredPolicyFacts, StoredSnapshot } from "../store/types.ts";

/**
 * The shape of the text a stored one was made under; it is used only while that is this one.
 * Bump it whenever what `policyFactsText` keeps changes — INVENTORY_FAMILIES above all, which
 * policy-snapshot.test.ts pins beside it: a family no longer left out would read as missing from
 * an older text — and stored texts are made again from their bodies until each device's next
 * snapshot.
 */
export const POLICY_FACTS_VERSION = 1;

export type PolicySnapshot = Pick<StoredSnapshot, "deviceId" | "seq" | "collectedAt" | "facts" | "unknown"> & {
  /** Heap bytes it is charged in the cache. */
  readonly heapBytes: number;
};

/** `{"facts":{…every family but the inventories…},"unknown":{…}}` */
export function policyFactsText(facts: Facts, unknown: Unknown): string {
  const kept: Record<string, unknown> = {};
  // Reflect.ownKeys, not Object.keys: on a lazy snapshot that asks each member's descriptor, parsing the inventories.
  for (const family of Reflect.ownKeys(facts)) {
    if (typeof family === "string" && !INVENTORY_FAMILIES.has(family)) kept[family] = (facts as Record<string, unknown>)[family];
  }
  return JSON.stringify({ facts: kept, unknown });
}

/** The text as the store keeps it, with the version of its shape. */
export function versionedPolicyFacts(text: string): PolicyFacts {
  return { version: POLICY_FACTS_VERSION, text };
}

/** A policy snapshot from stored policy facts, if they were made for exactly this seq under the current version. */
export function storedPolicySnapshot(deviceId: string, stored: StoredPolicyFacts | undefined, seq: number): PolicySnapshot | undefined {
  return stored && stored.seq === seq && stored.version === POLICY_FACTS_VERSION ? policySnapshotFromText({ deviceId, seq, collectedAt: stored.collectedAt }, stored.text) : undefined;
}

export function policySnapshotFromText(fields: Pick<StoredSnapshot, "deviceId" | "seq" | "collectedAt">, text: string): PolicySnapshot {
  let unparsed: string | undefined = text;
  let parsed: { facts: Facts; unknown: Unknown } | undefined;
  const load = () => {
    if (!parsed) {
      parsed = guarded(JSON.parse(unparsed!) as { facts: Record<string, unknown>; unknown: Unknown });
      unparsed = undefined;
    }
    return parsed;
  };
  return Object.freeze({
    deviceId: fields.deviceId,
    seq: fields.seq,
    collectedAt: fields.collectedAt,
    get facts() {
      return load().facts;
    },
    get unknown() {
      return load().unknown;
    },
    // Either the text or its parse is held, and the parse takes a little more (docs/scale.md).
    heapBytes: Math.ceil(1.25 * text.length) + fields.deviceId.length + 256,
  });
}

/** A policy snapshot of a whole one read from the store (this scans the whole body once). */
export function policySnapshotOf(snapshot: StoredSnapshot): PolicySnapshot {
  return policySnapshotFromText(snapshot, policyFactsText(snapshot.facts, snapshot.unknown));
}

function guarded(parsed: { facts: Record<string, unknown>; unknown: Unknown }): { facts: Facts; unknown: Unknown } {
  for (const family of INVENTORY_FAMILIES) {
    Object.defineProperty(parsed.facts, family, {
      enumerable: false,
      get: () => {
        throw new Error(`a policy snapshot leaves out the ${family} inventory; evaluate from the whole snapshot`);
      },
    });
  }
  return { facts: Object.freeze(parsed.facts) as unknown as Facts, unknown: Object.freeze(parsed.unknown) };
}
