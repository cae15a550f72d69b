/**
 * What the connector holds of this device's facts, as family digests: the families of the last
 * snapshot it acknowledged. A family whose digest is unchanged is sent as that digest
 * (shared/protocol/family-digests.ts). Kept in memory only, across the agent's sessions: a
 * restarted agent sends its first snapshot in full. Whenever the agent is unsure the connector
 * still holds that snapshot (its welcome names another lastSeq, a snapshot was refused), the
 * baseline is forgotten and the next snapshot is full.
 */
import type { Facts } from "../../shared/facts/schema.ts";
import { FACT_FAMILIES, familyDigest, type FactFamily, type FamilyDigests } from "../../shared/protocol/family-digests.ts";
import { canonicalText } from "../../shared/signing/canonical.ts";

/** Shorter values are sent as they are: a digest reference would not be smaller. */
const MIN_DIGESTED_BYTES = 128;
/** Snapshots sent and not yet acked whose digests are kept; only the newest ever matters. */
const MAX_IN_FLIGHT = 4;

interface FamilyState {
  digest: string;
  bytes: number;
}
export type Families = Map<FactFamily, FamilyState>;

export function familyStates(facts: Facts): Families {
  const out: Families = new Map();
  for (const family of FACT_FAMILIES) {
    if (!(family in facts)) continue;
    const text = canonicalText(facts[family]);
    out.set(family, { digest: familyDigest(family, text), bytes: text.length });
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

  /** The families (of a snapshot about to be sent) that may be sent as digests. */
  unchanged(families: Families): FamilyDigests {
    const out: FamilyDigests = {};
    if (!this.acked) return out;
    for (const [family, now] of families) {
      if (now.bytes >= MIN_DIGESTED_BYTES && this.acked.families.get(family)?.digest === now.digest) out[family] = now.digest;
    }
    return out;
  }
}
