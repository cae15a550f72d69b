/**
 * The collector contract. One collector per fact family (a top-level key of the facts document),
 * each choosing one probe per OS. A collector never throws: what it cannot determine is `null`
 * in `value` with a reason in `unknown`, keyed by the path below the family
 * (`"[0].encryption_enabled"` for disks, `"firewall_enabled"` for network, `""` for the whole family).
 */
import type { Facts } from "../../shared/facts/schema.ts";

export type Family = keyof Facts;

export interface FamilyResult<K extends Family> {
  value: Facts[K];
  unknown: Record<string, string>;
}

export interface Collector<K extends Family> {
  family: K;
  /** Facts that rarely change (hardware) are cached between runs for this long. */
  cacheForMs?: number;
  collect(): Promise<FamilyResult<K>>;
}

export interface Collected {
  facts: Facts;
  unknown: Record<string, string>;
  /** Paths cut or nulled to fit the facts schema (see conform.ts). */
  repaired?: string[];
  durationMs: number;
}
