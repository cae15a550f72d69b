/**
 * A compact snapshot frame (shared/protocol/family-digests.ts) made whole again, before the ingest
 * pipeline verifies it: each family named in `digests` is put back from the device's latest
 * stored facts when its digest matches, and the frame's body becomes the full canonical text the
 * agent signed. The pipeline then checks that text exactly as it checks a full frame, and it is
 * what is stored: a compact snapshot leaves nothing behind that only this module could read.
 */
import { canonicalText } from "../../shared/signing/canonical.ts";
import { expandBodyText, familyDigest, type FactFamily } from "../../shared/protocol/family-digests.ts";
import type { SnapshotFrame } from "../../shared/protocol/messages.ts";
import type { ErrorCode } from "../../shared/protocol/errors.ts";
import type { Store, StoredSnapshot } from "../store/types.ts";

/** Where the latest facts come from: the lookup's cache when the connector has one, else the store. */
export interface LatestSnapshotSource {
  latestSnapshot(device: { id: string; lastSeq: number }): Promise<StoredSnapshot | null>;
}

export type ExpandResult = { ok: true; frame: SnapshotFrame } | { ok: false; code: ErrorCode; message: string; seq?: number };

export async function expandFamilies(
  ctx: { store: Pick<Store, "latestSnapshot">; lookup?: LatestSnapshotSource },
  device: { id: string; lastSeq: number },
  frame: SnapshotFrame,
): Promise<ExpandResult> {
  const { digests, ...rest } = frame;
  if (digests === undefined) return { ok: true, frame };
  const latest = ctx.lookup ? await ctx.lookup.latestSnapshot(device) : await ctx.store.latestSnapshot(device.id);
  const facts = latest?.facts as Record<string, unknown> | undefined;
  const expanded = expandBodyText(frame.body, digests, (family: FactFamily, digest: string) => {
    if (facts === undefined || !Object.prototype.hasOwnProperty.call(facts, family)) return undefined;
    const text = canonicalText(facts[family]);
    return familyDigest(family, text) === digest ? text : undefined;
  });
  if (!expanded.ok) return expanded;
  return { ok: true, frame: { ...rest, body: expanded.text } };
}
