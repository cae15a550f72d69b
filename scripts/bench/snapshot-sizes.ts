/**
 * Which snapshot body the simulated agents send: `real` (default) — the real agent's document with
 * its software and process inventories (real-facts.ts), which can also go in steady-state form
 * (family digests); `small` — facts-document.ts's ~4 KB laptop without inventories, the size the
 * bench measured before.
 */
import { benchFacts, benchUnknown } from "./facts-document.ts";
import { realCompactFacts, realFactsJson, realUnknown } from "./real-facts.ts";
import { snapshotTemplate, type SnapshotTemplate } from "./snapshot-frames.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";

export type SnapshotSize = "real" | "small";
/** What an ingest run sends: a size, or `steady` — real-size snapshots after the first, in compact form. */
export type IngestVariant = SnapshotSize | "steady";

export function isSnapshotSize(value: string): value is SnapshotSize {
  return value === "real" || value === "small";
}

export function isIngestVariant(value: string): value is IngestVariant {
  return isSnapshotSize(value) || value === "steady";
}

let realUnknownJson: string | undefined;

export function templateFor(size: SnapshotSize, deviceId: string, index: number, agentVersion: string): SnapshotTemplate {
  if (size === "small") return snapshotTemplate(deviceId, agentVersion, benchFacts(index), benchUnknown());
  realUnknownJson ??= canonicalJson(realUnknown());
  return { deviceId, agentVersion, factsJson: realFactsJson(index), unknownJson: realUnknownJson, compact: realCompactFacts(index) };
}
