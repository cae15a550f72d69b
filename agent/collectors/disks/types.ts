import type { DiskFacts } from "../../../shared/facts/schema.ts";

/** A volume as a probe sees it; `reasons` says why any null field is null (keyed by field name). */
export interface Volume {
  disk: DiskFacts;
  reasons: Record<string, string>;
}
