/**
 * The device as an identity provider's endpoint stage reads it (authentik's shape):
 *   { id, name, identifier, manufacturer, model, platform, connected, last_seen,
 *     cached_facts: { data, unknown, created, expires } }
 * Used by `GET /v1/devices[/{id}]` and by the endpoint check, so both answer the same thing.
 *
 * `cached_facts.data` comes in two views of the same snapshot:
 *   - `authentik` (the default, and always the endpoint check's): what authentik's DeviceFacts
 *     serializer accepts (shared/facts/authentik-view.ts): unknown facts left out rather than
 *     `null`, objects authentik would refuse left out whole; `unknown` also says why each of those
 *     was left out, keyed by its path in Facet's full document;
 *   - `facet` (`?view=facet`, for Facet's own clients such as the admin CLI): the document exactly
 *     as the agent signed it, every unknown an explicit `null` with its reason in `unknown`.
 */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import type { AuthentikFacts } from "../../shared/facts/authentik.ts";
import { toAuthentikView } from "../../shared/facts/authentik-view.ts";
import type { Device, StoredSnapshot } from "../store/types.ts";
import { inflatePieces, type DeflatedText } from "../store/deflated-view.ts";
import type { FactsView } from "../api/devices.ts";

export type { FactsView } from "../api/devices.ts";

/**
 * A serialized `cached_facts`: text, or UTF-8 pieces in order, where a view read from the store
 * stays deflated as stored (store/deflated-view.ts). Pieces are written out as they are, neither
 * made a string nor joined (http/send-pieces.ts): each copy of tens of KB per GET is garbage the
 * sign-ins' loop collects.
 */
export type FactsJson = string | readonly (Uint8Array | DeflatedText)[];

export interface CachedFacts {
  data: AuthentikFacts | Facts;
  unknown: Unknown;
  /** When the facts were collected on the device (ISO 8601). */
  created: string;
  /** After this the facts are stale and a policy should not trust them (ISO 8601). */
  expires: string;
}

export interface DeviceView {
  id: string;
  name: string | null;
  /** The hardware serial number. */
  identifier: string | null;
  manufacturer: string | null;
  model: string | null;
  platform: string | null;
  connected: boolean;
  last_seen: string | null;
  cached_facts: CachedFacts | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `data` and `unknown` of `cached_facts` in `view`, in that order (the serialized form relies on it). */
export function factsInView(facts: Facts, unknown: Unknown, view: FactsView): Pick<CachedFacts, "data" | "unknown"> {
  if (view === "facet") return { data: facts, unknown };
  const authentik = toAuthentikView(facts, unknown);
  return { data: authentik.data, unknown: { ...unknown, ...authentik.omitted } };
}

export function buildCachedFacts(snapshot: StoredSnapshot, factsTtlMs: number, view: FactsView = "authentik"): CachedFacts {
  return {
    ...factsInView(snapshot.facts, snapshot.unknown, view),
    // Age is measured from collection, not arrival: a snapshot an agent kept through a
    // long outage and resent is as old as its facts, not as new as its delivery.
    created: new Date(snapshot.collectedAt).toISOString(),
    expires: new Date(snapshot.collectedAt + factsTtlMs).toISOString(),
  };
}

function deviceFields(device: Device, connected: boolean): Omit<DeviceView, "cached_facts"> {
  return {
    id: device.id,
    name: device.name ?? device.hostname ?? null,
    identifier: device.serial,
    manufacturer: device.manufacturer,
    model: device.model,
    platform: device.platform,
    connected,
    last_seen: iso(device.lastSeenAt),
  };
}

export function buildDeviceView(device: Device, snapshot: StoredSnapshot | null, connected: boolean, factsTtlMs: number, view: FactsView = "authentik"): DeviceView {
  return { ...deviceFields(device, connected), cached_facts: snapshot ? buildCachedFacts(snapshot, factsTtlMs, view) : null };
}

/**
 * The same document as `JSON.stringify(buildDeviceView(…))`, byte for byte (as UTF-8 pieces, in
 * order, when the facts are bytes), from an already serialized `cached_facts` (see
 * facts-cache.ts): the small device part is the only part serialized per request. The pieces are
 * not joined here: a response writes them out as they are (http/send-pieces.ts).
 */
export function serializeDeviceView(device: Device, connected: boolean, cachedFactsJson: string | null): string;
export function serializeDeviceView(device: Device, connected: boolean, cachedFactsJson: FactsJson | null): FactsJson;
export function serializeDeviceView(device: Device, connected: boolean, cachedFactsJson: FactsJson | null): FactsJson {
  const head = `${JSON.stringify(deviceFields(device, connected)).slice(0, -1)},"cached_facts":`;
  if (typeof cachedFactsJson === "string" || cachedFactsJson === null) return `${head}${cachedFactsJson ?? "null"}}`;
  return [Buffer.from(head), ...cachedFactsJson, CLOSE];
}

/** A document serialized as text or as UTF-8 pieces, as text. */
export function jsonText(json: FactsJson): string {
  return typeof json === "string" ? json : Buffer.concat(inflatePieces(json)).toString();
}

const CLOSE = Buffer.from("}");

/**
 * A device in a list (`GET /v1/devices`, `facet devices ls`): what its row says, no facts. A full
 * view carries the whole facts document (tens of KB a device), which a list of thousands cannot;
 * `GET /v1/devices/{id}` has the facts, and `view=authentik|facet` still pages full views.
 */
export interface DeviceSummary {
  id: string;
  name: string | null;
  hostname: string | null;
  identifier: string | null;
  manufacturer: string | null;
  model: string | null;
  platform: string | null;
  /** The console user at enrollment. */
  user: string | null;
  connected: boolean;
  enrolled_at: string;
  last_seen: string | null;
  revoked_at: string | null;
}

export function buildDeviceSummary(device: Device, connected: boolean): DeviceSummary {
  return {
    id: device.id,
    name: device.name ?? device.hostname ?? null,
    hostname: device.hostname ?? null,
    identifier: device.serial,
    manufacturer: device.manufacturer,
    model: device.model,
    platform: device.platform,
    user: device.username,
    connected,
    enrolled_at: new Date(device.enrolledAt).toISOString(),
    last_seen: iso(device.lastSeenAt),
    revoked_at: iso(device.revokedAt),
  };
}
