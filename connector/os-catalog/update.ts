/**
 * `facet os-catalog update` and the connector's scheduled refresh: fetch every source, turn each
 * feed into catalog entries (policy/catalog/sources/), validate what would change per platform
 * (validate-update.ts), store the result in one write and record what each source said.
 *
 * A source that cannot be reached, or whose data is refused, leaves its platform as it was and
 * unconfirmed, so that platform's age keeps growing until a good answer comes (freshness.ts);
 * the other platforms still update. Every failure is one line in the source's state, in the
 * report and in an `os_catalog.update_failed` event; changes go to `os_catalog.updated`.
 * Replicas share both the catalog and the state through the store.
 *
 *   const report = await updateOsCatalog({ store, now, sources: DEFAULT_CATALOG_SOURCES, timeoutMs: 30_000 });   // ./sources.ts
 */
import type { Logger } from "pino";
import { assembleCatalog, type FeedParts } from "../policy/catalog/assemble.ts";
import { diffCatalogs } from "../policy/catalog/diff.ts";
import { CATALOG_SETTING_KEY } from "../policy/catalog/index.ts";
import type { CatalogPlatform } from "../policy/catalog/schema.ts";
import { LINUX_DISTROS, linuxDistroFromEndOfLife, windowsCyclesFromEndOfLife, WINDOWS_PRODUCT } from "../policy/catalog/sources/endoflife.ts";
import { msrcDocumentIds, parseMsrcCvrf } from "../policy/catalog/sources/msrc.ts";
import { parseSofaMacosFeed } from "../policy/catalog/sources/sofa.ts";
import { refuseUpdate } from "../policy/catalog/validate-update.ts";
import type { CatalogInForce } from "../compliance/catalog.ts";
import type { Store } from "../store/types.ts";
import { FeedFetchError, fetchFeed } from "./fetch-feed.ts";
import type { CatalogSources } from "./sources.ts";

export type SourceId = keyof CatalogSources;
export const SOURCE_IDS: readonly SourceId[] = ["sofa", "endoflife", "msrc"];
const SOURCE_NAMES: Record<SourceId, string> = { sofa: "MacAdmins SOFA (macOS)", endoflife: "endoflife.date (Linux, Windows releases)", msrc: "Microsoft MSRC CVRF (Windows updates)" };
const SOURCE_PLATFORMS: Record<SourceId, CatalogPlatform[]> = { sofa: ["macos"], endoflife: ["linux", "windows"], msrc: ["windows"] };

/** Per source: what the last attempt did. Kept in the store under SOURCE_STATE_KEY. */
export interface SourceState {
  id: SourceId;
  name: string;
  url: string;
  lastAttemptAt: string | null;
  /** The last time its data was fetched, validated and taken into the catalog (changed or not). */
  lastConfirmedAt: string | null;
  lastError: string | null;
  /** What it said last time it answered, in a few words. */
  said: string | null;
}

export const SOURCE_STATE_KEY = "policy.osCatalog.sources";

/** A CVRF month is ~10–30 MB of JSON; the others are well under 1 MB. */
const MAX_BYTES: Record<SourceId, number> = { sofa: 16 * 1024 * 1024, endoflife: 1024 * 1024, msrc: 64 * 1024 * 1024 };

export interface UpdateDeps {
  store: Store;
  /** The connector's catalog in force: updated from, and forgotten once a new one is stored. */
  catalogs: Pick<CatalogInForce, "current" | "forget">;
  now: () => number;
  sources: CatalogSources;
  timeoutMs: number;
  log?: Logger | undefined;
  signal?: AbortSignal | undefined;
}

export interface UpdateReport {
  /** `updated`: releases changed; `confirmed`: nothing changed and every source answered; `failed`: at least one source did not. */
  outcome: "updated" | "confirmed" | "failed";
  version: string;
  previous: string;
  changes: string[];
  sources: SourceState[];
}

export async function readSourceStates(store: Pick<Store, "getSetting">, sources: CatalogSources): Promise<SourceState[]> {
  const stored = (await store.getSetting<Partial<Record<SourceId, SourceState>>>(SOURCE_STATE_KEY)) ?? {};
  return SOURCE_IDS.map((id) => ({ id, name: SOURCE_NAMES[id], lastAttemptAt: null, lastConfirmedAt: null, lastError: null, said: null, ...stored[id], url: sources[id] }));
}

interface Fetched {
  parts: FeedParts;
  said: string;
}

async function fetchSofa(deps: UpdateDeps): Promise<Fetched> {
  const url = deps.sources.sofa;
  const releases = parseSofaMacosFeed(await fetchFeed(url, { timeoutMs: deps.timeoutMs, maxBytes: MAX_BYTES.sofa, signal: deps.signal }));
  return { parts: { macos: { releases, from: url } }, said: `macOS ${releases.filter((r) => r.supported).map((r) => r.latest).join(", ")} (${releases.length} majors)` };
}

async function fetchEndOfLife(deps: UpdateDeps, now: number): Promise<Fetched> {
  const get = (product: string) => fetchFeed(deps.sources.endoflife.replaceAll("{product}", product), { timeoutMs: deps.timeoutMs, maxBytes: MAX_BYTES.endoflife, signal: deps.signal });
  const [windowsText, ...distroTexts] = await Promise.all([get(WINDOWS_PRODUCT), ...LINUX_DISTROS.map((d) => get(d.product))]);
  const distros = LINUX_DISTROS.map((d, i) => linuxDistroFromEndOfLife(distroTexts[i]!, d, now));
  const cycles = windowsCyclesFromEndOfLife(windowsText!, now);
  const from = deps.sources.endoflife;
  const supported = distros.map((d) => `${d.names[0]} ${d.releases.filter((r) => !r.endOfSupport || Date.parse(`${r.endOfSupport}T00:00:00Z`) > now).map((r) => r.version).join("/")}`);
  return { parts: { linux: { distros, from }, windowsReleases: { cycles, from } }, said: `${supported.join(", ")}; ${cycles.length} Windows feature releases` };
}

async function fetchMsrc(deps: UpdateDeps, now: number): Promise<Fetched> {
  const [current, previous] = msrcDocumentIds(now);
  const get = (id: string) => fetchFeed(deps.sources.msrc.replaceAll("{id}", id), { timeoutMs: deps.timeoutMs, maxBytes: MAX_BYTES.msrc, signal: deps.signal });
  let id = current;
  let text: string;
  try {
    text = await get(current);
  } catch (error) {
    // Before this month's Patch Tuesday its document does not exist yet.
    if (!(error instanceof FeedFetchError) || error.status !== 404) throw error;
    id = previous;
    text = await get(previous);
  }
  const updates = parseMsrcCvrf(text);
  return { parts: { windowsUpdates: { updates, from: deps.sources.msrc.replaceAll("{id}", id) } }, said: `${id}: ${updates.map((u) => `10.0.${u.build}.${u.ubr}`).join(", ")}` };
}

const FETCHERS: Record<SourceId, (deps: UpdateDeps, now: number) => Promise<Fetched>> = { sofa: fetchSofa, endoflife: fetchEndOfLife, msrc: fetchMsrc };

const oneLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 500);

/** Which platforms a set of parts touches. */
function platformsOf(parts: FeedParts): CatalogPlatform[] {
  return [...(parts.macos ? ["macos" as const] : []), ...(parts.linux ? ["linux" as const] : []), ...(parts.windowsReleases || parts.windowsUpdates ? ["windows" as const] : [])];
}

/** The parts of the fetched results that concern one platform. */
function partsFor(platform: CatalogPlatform, fetched: Partial<Record<SourceId, FeedParts>>): FeedParts {
  if (platform === "macos") return fetched.sofa?.macos ? { macos: fetched.sofa.macos } : {};
  if (platform === "linux") return fetched.endoflife?.linux ? { linux: fetched.endoflife.linux } : {};
  return {
    ...(fetched.endoflife?.windowsReleases ? { windowsReleases: fetched.endoflife.windowsReleases } : {}),
    ...(fetched.msrc?.windowsUpdates ? { windowsUpdates: fetched.msrc.windowsUpdates } : {}),
  };
}

export async function updateOsCatalog(deps: UpdateDeps): Promise<UpdateReport> {
  const now = deps.now();
  const at = new Date(now).toISOString();
  deps.catalogs.forget();
  const inForce = await deps.catalogs.current(now);
  const states = await readSourceStates(deps.store, deps.sources);
  const results = await Promise.all(SOURCE_IDS.map((id) => FETCHERS[id](deps, now).then((r) => ({ id, ok: true as const, ...r }), (error: unknown) => ({ id, ok: false as const, error: oneLine(error) }))));

  const accepted: FeedParts = {};
  const failures = new Map<SourceId, string>();
  const fetched: Partial<Record<SourceId, FeedParts>> = {};
  for (const r of results) {
    if (r.ok) fetched[r.id] = r.parts;
    else failures.set(r.id, r.error);
  }
  // Validate per platform, so a bad macOS feed does not hold back a good Linux one.
  for (const platform of ["macos", "linux", "windows"] as const) {
    const parts = partsFor(platform, fetched);
    if (platformsOf(parts).length === 0) continue;
    const problem = refuseUpdate(inForce, assembleCatalog(inForce, parts, now), platform, now);
    if (!problem) Object.assign(accepted, parts);
    else for (const id of SOURCE_IDS) if (fetched[id] && SOURCE_PLATFORMS[id].includes(platform)) failures.set(id, `refused: ${problem}; the catalog in force is kept`);
  }

  const next = assembleCatalog(inForce, accepted, now);
  const changes = diffCatalogs(inForce, next);
  if (platformsOf(accepted).length > 0) {
    await deps.store.putSetting(CATALOG_SETTING_KEY, next);
    deps.catalogs.forget();
  }
  const updatedStates = states.map((s): SourceState => {
    const r = results.find((x) => x.id === s.id)!;
    const error = failures.get(s.id);
    if (error) return { ...s, lastAttemptAt: at, lastError: error };
    return { ...s, lastAttemptAt: at, lastConfirmedAt: at, lastError: null, said: r.ok ? r.said : s.said };
  });
  await deps.store.putSetting(SOURCE_STATE_KEY, Object.fromEntries(updatedStates.map((s) => [s.id, s])));

  if (changes.length > 0) {
    await deps.store.recordEvent({ type: "os_catalog.updated", at: now, deviceId: null, data: { version: next.version, previous: inForce.version, changes: changes.slice(0, 100) } });
    deps.log?.info({ version: next.version, previous: inForce.version, changes: changes.length }, `OS release catalog updated to ${next.version}: ${changes.slice(0, 5).join("; ")}${changes.length > 5 ? "; …" : ""}`);
  }
  for (const [id, error] of failures) await deps.store.recordEvent({ type: "os_catalog.update_failed", at: now, deviceId: null, data: { source: id, url: deps.sources[id], error } });
  return {
    outcome: failures.size > 0 ? "failed" : changes.length > 0 ? "updated" : "confirmed",
    version: (platformsOf(accepted).length > 0 ? next : inForce).version,
    previous: inForce.version,
    changes,
    sources: updatedStates,
  };
}
