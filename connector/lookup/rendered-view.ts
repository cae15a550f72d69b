/**
 * The `cached_facts` of a device view as JSON, in two steps so the costly one runs once per
 * snapshot, on a verify thread at ingest (agent-channel/frame-verdict.ts), and is stored beside
 * the snapshot (`snapshot_views`):
 *   - `renderFacts`: facts → `{"data":…,"unknown":…}` (device-view.ts's `factsInView`; for
 *     `authentik`, a walk that costs about as much as parsing the body);
 *   - `withFreshness`: adds `created` and `expires`, which depend on the connector's fact TTL, on
 *     each read.
 *
 * A stored rendering is used only while AUTHENTIK_VIEW_VERSION is the one it was rendered with:
 * bump it whenever what `toAuthentikView` returns for a document changes (authentik.ts's schema,
 * whose digest rendered-view.test.ts pins, or the walk itself), and stored views are rendered
 * again from their bodies on read until each device's next snapshot.
 *
 *   const view = renderedAuthentikView(body.facts, body.unknown);     // at ingest
 *   const json = withFreshness(stored.json, stored.collectedAt, ttl); // per read
 *   const bytes = storedCachedFactsBytes(await store.latestView(id), seq, ttl); // per read, as bytes
 */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import type { FactsView } from "../api/devices.ts";
import type { RenderedView, StoredView, StoredViewBytes } from "../store/types.ts";
import { factsInView } from "./device-view.ts";

export const AUTHENTIK_VIEW_VERSION = 1;

/** `{"data":…,"unknown":…}` of one snapshot in `view`. */
export function renderFacts(facts: Facts, unknown: Unknown, view: FactsView): string {
  return JSON.stringify(factsInView(facts, unknown, view));
}

export function renderedAuthentikView(facts: Facts, unknown: Unknown): RenderedView {
  return { version: AUTHENTIK_VIEW_VERSION, json: renderFacts(facts, unknown, "authentik") };
}

/**
 * The whole `cached_facts` from a rendering. Age is measured from collection, not arrival: a
 * snapshot an agent kept through a long outage and resent is as old as its facts.
 */
export function withFreshness(rendered: string, collectedAt: number, factsTtlMs: number): string {
  return `${rendered.slice(0, -1)}${freshnessTail(collectedAt, factsTtlMs)}`;
}

function freshnessTail(collectedAt: number, factsTtlMs: number): string {
  const created = new Date(collectedAt).toISOString();
  const expires = new Date(collectedAt + factsTtlMs).toISOString();
  return `,"created":"${created}","expires":"${expires}"}`;
}

function current<T extends Pick<StoredView, "seq" | "version">>(stored: T | null | undefined, seq: number): stored is T {
  return !!stored && stored.seq === seq && stored.version === AUTHENTIK_VIEW_VERSION;
}

/** The whole `cached_facts` from a stored view, if it was rendered for exactly this seq under the current rules. */
export function storedCachedFacts(stored: StoredView | null | undefined, seq: number, factsTtlMs: number): string | undefined {
  return current(stored, seq) ? withFreshness(stored.json, stored.collectedAt, factsTtlMs) : undefined;
}

/** `storedCachedFacts` of a view read as bytes, as bytes: the view without its closing brace, then the freshness. */
export function storedCachedFactsBytes(stored: StoredViewBytes | null | undefined, seq: number, factsTtlMs: number): readonly Uint8Array[] | undefined {
  if (!current(stored, seq)) return undefined;
  const { utf8, collectedAt } = stored;
  return [utf8.subarray(0, utf8.byteLength - 1), Buffer.from(freshnessTail(collectedAt, factsTtlMs))];
}
