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
 * It is stored deflated (store/deflated-view.ts), and read as pieces that keep it deflated (for a
 * gzip response, http/gzip-pieces.ts; device-view.ts's `jsonText` joins them as text).
 *
 *   const view = renderedAuthentikView(body.facts, body.unknown);              // at ingest
 *   const pieces = storedCachedFactsPieces(await store.latestView(id), seq, ttl); // on read
 */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import type { FactsView } from "../api/devices.ts";
import type { RenderedView, StoredView } from "../store/types.ts";
import { deflateOpenObject, type DeflatedText } from "../store/deflated-view.ts";
import { factsInView } from "./device-view.ts";

export const AUTHENTIK_VIEW_VERSION = 1;

/** `{"data":…,"unknown":…}` of one snapshot in `view`. */
export function renderFacts(facts: Facts, unknown: Unknown, view: FactsView): string {
  return JSON.stringify(factsInView(facts, unknown, view));
}

export function renderedAuthentikView(facts: Facts, unknown: Unknown): RenderedView {
  return { version: AUTHENTIK_VIEW_VERSION, ...deflateOpenObject(renderFacts(facts, unknown, "authentik")) };
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

/**
 * The whole `cached_facts` from a stored view, if it was rendered for exactly this seq under the
 * current rules, as pieces: the view without its closing brace, still deflated, then the freshness
 * as UTF-8.
 */
export function storedCachedFactsPieces(stored: StoredView | null | undefined, seq: number, factsTtlMs: number): readonly [DeflatedText, Uint8Array] | undefined {
  return current(stored, seq) ? [stored, Buffer.from(freshnessTail(stored.collectedAt, factsTtlMs))] : undefined;
}
