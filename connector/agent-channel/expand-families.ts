/**
 * A compact snapshot frame (shared/protocol/family-digests.ts) made whole again, before the ingest
 * pipeline verifies it: each family named in `digests` or `deltas` is put back from the device's
 * latest stored facts when its digest matches (a delta's edits applied), and the frame's body
 * becomes the full canonical text the agent signed. The pipeline then checks that text exactly as
 * it checks a full frame, and it is what is stored: a compact snapshot leaves nothing behind that
 * only this module could read.
 *
 * The rebuild runs on a verify thread with the rest of the checks (frame-verdict.ts); the main
 * thread only finds the latest stored body (latestBody) and hands it over.
 */
import { canonicalText } from "../../shared/signing/canonical.ts";
import { expandBodyText, familyDigest, type Expanded, type FamilyResolver } from "../../shared/protocol/family-digests.ts";
import { factsSpans } from "../../shared/protocol/canonical-spans.ts";
import type { SnapshotFrame } from "../../shared/protocol/messages.ts";
import type { Store, StoredSnapshot } from "../store/types.ts";
import { utf8Text } from "../store/lazy-snapshot.ts";

/** Where the latest facts come from: the lookup's cache when the connector has one, else the store. */
export interface LatestSnapshotSource {
  latestSnapshot(device: { id: string; lastSeq: number }, options: { remember: false }): Promise<StoredSnapshot | null>;
}

/**
 * A device's latest stored body: its text, or its UTF-8 as a snapshot received since start-up holds
 * it (store/lazy-snapshot.ts), which the verify thread decodes rather than the event loop.
 */
export type LatestBody = string | Uint8Array;

/** The device's latest stored body, null if it has none. */
export async function latestBody(
  ctx: { store: Pick<Store, "latestSnapshot">; lookup?: LatestSnapshotSource },
  device: { id: string; lastSeq: number },
): Promise<LatestBody | null> {
  // Not kept in the cache when read from the store: the snapshot this frame brings replaces it
  // there within milliseconds, and until then its 64 KB body would be carried through collections.
  const latest = ctx.lookup ? await ctx.lookup.latestSnapshot(device, { remember: false }) : await ctx.store.latestSnapshot(device.id);
  return latest ? (latest.bodyUtf8 ?? latest.body) : null;
}

/**
 * The full signed body of a compact frame, its families put back from `latest` (a stored body
 * text). A stored body is canonical, so a family's text is a slice of it (canonical-spans.ts):
 * only the slices named are hashed, and only a list a delta edits is parsed.
 */
export function expandFamilies(frame: SnapshotFrame, latest: LatestBody | null): Expanded {
  return expandBodyText(frame.body, frame.digests ?? {}, frame.deltas ?? {}, latest === null ? () => undefined : heldIn(typeof latest === "string" ? latest : utf8Text(latest)));
}

function heldIn(latest: string): FamilyResolver {
  const spans = factsSpans(latest);
  if (spans === undefined) {
    // Not shaped as the scan expects (a body stored before bodies had to be canonical): parse it.
    const facts = (JSON.parse(latest) as { facts: Record<string, unknown> }).facts;
    return (family, digest) => {
      if (!Object.prototype.hasOwnProperty.call(facts, family)) return undefined;
      const value = facts[family];
      const text = canonicalText(value);
      return familyDigest(family, text) === digest ? { value, text } : undefined;
    };
  }
  return (family, digest) => {
    const span = spans.get(family);
    if (span === undefined) return undefined;
    const text = latest.slice(span.start, span.end);
    if (familyDigest(family, text) !== digest) return undefined;
    return {
      text,
      get value(): unknown {
        return JSON.parse(text);
      },
    };
  };
}
