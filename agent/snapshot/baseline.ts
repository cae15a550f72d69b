/**
 * What the connector holds of this device's facts: the families of the last snapshot it
 * acknowledged. A family whose digest is unchanged is sent as that digest, a list that changed a
 * little as edits of the acked one (shared/protocol/family-digests.ts). Kept in memory only,
 * across the agent's sessions: a restarted agent sends its first snapshot in full. Whenever the agent is unsure the connector
 * still holds that snapshot (its welcome names another lastSeq, a snapshot was refused), the
 * baseline is forgotten and the next snapshot is full.
 */
import { diffArrays } from "diff";
import type { Facts } from "../../shared/facts/schema.ts";
import {
  FACT_FAMILIES,
  familyDigest,
  type FactFamily,
  type FamilyDeltas,
  type FamilyDigests,
  type FamilyEdit,
  type FamilyResolver,
} from "../../shared/protocol/family-digests.ts";
import { canonicalText } from "../../shared/signing/canonical.ts";

/** Shorter values are sent as they are: a digest reference would not be smaller. */
const MIN_DIGESTED_BYTES = 128;
/** Snapshots sent and not yet acked whose digests are kept; only the newest ever matters. */
const MAX_IN_FLIGHT = 4;

interface FamilyState {
  digest: string;
  bytes: number;
  value: unknown;
  /** A list's items as canonical text, once a diff needed them. */
  items?: string[];
}

/** How a snapshot may be sent compact: what signSnapshot (build.ts) takes. */
export interface Compaction {
  digests: FamilyDigests;
  deltas: FamilyDeltas;
  /** The acked family values, for the agent's own check that the connector rebuilds the signed body. */
  resolve: FamilyResolver;
}
export type Families = Map<FactFamily, FamilyState>;

export function familyStates(facts: Facts): Families {
  const out: Families = new Map();
  for (const family of FACT_FAMILIES) {
    if (!(family in facts)) continue;
    const text = canonicalText(facts[family]);
    out.set(family, { digest: familyDigest(family, text), bytes: text.length, value: facts[family] });
  }
  return out;
}

export class FamilyBaseline {
  private acked: { seq: number; families: Families } | undefined;
  private readonly inFlight = new Map<number, Families>();

  /** Remembers a sent snapshot's families so that its ack can make them the baseline. */
  sent(seq: number, families: Families): void {
    this.inFlight.set(seq, families);
    for (const old of this.inFlight.keys()) if (this.inFlight.size > MAX_IN_FLIGHT) this.inFlight.delete(old);
  }

  acknowledged(seq: number): void {
    const families = this.inFlight.get(seq);
    if (families) this.acked = { seq, families };
    for (const s of this.inFlight.keys()) if (s <= seq) this.inFlight.delete(s);
  }

  /**
   * At welcome: the baseline stands only if `lastSeq` is its snapshot. `accepted` is the snapshot
   * the connector accepted without the ack reaching us (the pending one, when its seq is lastSeq).
   */
  welcome(lastSeq: number, accepted?: { seq: number; facts: Facts }): void {
    if (accepted !== undefined && accepted.seq === lastSeq) this.acked = { seq: lastSeq, families: familyStates(accepted.facts) };
    else if (this.acked?.seq !== lastSeq) this.acked = undefined;
  }

  forget(): void {
    this.acked = undefined;
    this.inFlight.clear();
  }

  /** How the families of a snapshot about to be sent compare with the acked ones. */
  compaction(families: Families): Compaction {
    const digests: FamilyDigests = {};
    const deltas: FamilyDeltas = {};
    const acked = this.acked?.families ?? new Map<FactFamily, FamilyState>();
    for (const [family, now] of families) {
      const before = acked.get(family);
      if (before === undefined || now.bytes < MIN_DIGESTED_BYTES) continue;
      if (before.digest === now.digest) digests[family] = now.digest;
      else if (Array.isArray(now.value)) {
        const edits = listEdits(before, now.value);
        // Worth it only well below the list itself.
        if (edits !== undefined && JSON.stringify(edits).length < now.bytes / 2) deltas[family] = { base: before.digest, edits };
      }
    }
    const resolve: FamilyResolver = (family, digest) => {
      const held = acked.get(family);
      return held?.digest === digest ? { value: held.value, text: canonicalText(held.value) } : undefined;
    };
    return { digests, deltas, resolve };
  }
}

/** The edits turning the acked list into `after`, or undefined when they would be many. */
function listEdits(before: FamilyState, after: unknown[]): FamilyEdit[] | undefined {
  if (!Array.isArray(before.value)) return undefined;
  const old = (before.items ??= before.value.map(canonicalText));
  const changes = diffArrays(old, after.map(canonicalText), { maxEditLength: Math.max(32, after.length >> 1) });
  if (changes === undefined) return undefined;
  const edits: FamilyEdit[] = [];
  let at = 0;
  let next = 0;
  let current: FamilyEdit | undefined;
  for (const change of changes) {
    const n = change.value.length;
    if (change.removed) {
      current ??= { at, remove: 0, insert: [] };
      current.remove += n;
      at += n;
    } else if (change.added) {
      current ??= { at, remove: 0, insert: [] };
      current.insert.push(...after.slice(next, next + n));
      next += n;
    } else {
      if (current) edits.push(current);
      current = undefined;
      at += n;
      next += n;
    }
  }
  if (current) edits.push(current);
  return edits.length > 0 ? edits : undefined;
}
