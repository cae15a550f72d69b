/**
 * Which snapshot body the simulated agents send: `real` (default) — the real agent's document with
 * its software and process inventories (real-facts.ts); `small` — facts-document.ts's ~4 KB laptop
 * without inventories, the size the bench measured before.
 */
import { benchFacts, benchUnknown } from "./facts-document.ts";
import { realFactsJson, realUnknown } from "./real-facts.ts";
import { snapshotTemplate, type SnapshotTemplate } from "./snapshot-frames.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";

export type SnapshotSize = "real" | "small";

export function isSnapshotSize(value: string): value is SnapshotSize {
  return value === "real" || value === "small";
}

let realUnknownJson: string | undefined;

export function templateFor(size: SnapshotSize, deviceId: string, index: number, agentVersion: string): SnapshotTemplate {
  if (size === "small") return snapshotTemplate(deviceId, agentVersion, benchFacts(index), benchUnknown());
  realUnknownJson ??= canonicalJson(realUnknown());
  return { deviceId, agentVersion, factsJson: realFactsJson(index), unknownJson: realUnknownJson };
}
