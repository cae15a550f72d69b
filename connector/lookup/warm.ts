/**
 * Fills the lookup caches (facts-cache.ts, and the policy snapshots of snapshot-cache.ts) in the
 * background after startup, so the first `GET /v1/devices/{id}` or sign-in of each device after a
 * restart does not wait for the store to read its snapshot and stored view. Policy snapshots are
 * read as the text stored at ingest, and a whole snapshot only for a device without a usable one
 * (stored-policy-snapshots.ts): at 50,000 devices, reading every 64 KB body was most of the warm-up.
 *
 * Warming can never make an answer stale: both caches are keyed by (device, seq) and used only
 * when that seq equals the device row read by the request, and `put` never replaces a newer seq
 * with an older one. Pages are small and each is followed by a macrotask yield, so requests that
 * arrive meanwhile are served between pages; warming stops when the policy snapshots have reached
 * their byte budget (so it never reads the whole fleet's snapshots into memory; views are read only
 * while the serialized facts have room), when every device was seen,
 * or on the first store error (a closed store, a database restart) — it is an optimisation, never
 * a reason to fail.
 *
 *   void warmLookupCaches(deps, facts, snapshots); // fire and forget (LatestFacts.warm)
 */
import type { Device, StoredView } from "../store/types.ts";
import { storedCachedFacts } from "./rendered-view.ts";
import type { FactsJsonCache } from "./facts-cache.ts";
import type { PolicySnapshot } from "./policy-snapshot.ts";
import type { SnapshotCache } from "./snapshot-cache.ts";
import { readPolicySnapshots, type PolicySnapshotStore } from "./stored-policy-snapshots.ts";

export interface WarmDeps {
  store: PolicySnapshotStore & {
    listDevices(query: { after?: string; limit: number }): Promise<Device[]>;
    latestViews(deviceIds: string[]): Promise<Map<string, StoredView>>;
  };
  factsTtlMs: number;
}

/** Devices read per page: a page costs a few milliseconds of event loop, then requests go first. */
export const WARM_PAGE = 128;

/** Snapshots read per store query: what one query brings into memory stays small however large a body is. */
const SNAPSHOTS_PER_READ = 16;

const yieldToRequests = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const full = (cache: { heldBytes: number; capacityBytes: number }) => cache.heldBytes >= cache.capacityBytes * 0.95;

/** Resolves with how many devices were put in the caches. */
export async function warmLookupCaches(deps: WarmDeps, facts: FactsJsonCache, snapshots: SnapshotCache<PolicySnapshot>): Promise<number> {
  let warmed = 0;
  let after: string | undefined;
  try {
    for (;;) {
      await yieldToRequests();
      const page = await deps.store.listDevices({ after, limit: WARM_PAGE });
      if (page.length === 0) return warmed;
      after = page[page.length - 1]!.id;
      const live = page.filter((d) => d.revokedAt === null && d.lastSeq > 0);
      for (let i = 0; i < live.length; i += SNAPSHOTS_PER_READ) {
        // Past a budget each put would only push out a device warmed a moment ago. Policy snapshots
        // are small, so they go on filling after the serialized facts are full.
        if (full(snapshots)) return warmed;
        const withViews = !full(facts);
        const chunk = live.slice(i, i + SNAPSHOTS_PER_READ);
        const [read, views] = await Promise.all([readPolicySnapshots(deps.store, chunk), withViews ? deps.store.latestViews(chunk.map((d) => d.id)) : new Map<string, StoredView>()]);
        for (const snapshot of read.snapshots) {
          snapshots.put(snapshot);
          // Only views rendered at ingest: rendering here would cost the event loop more than the reads it saves.
          const json = storedCachedFacts(views.get(snapshot.deviceId), snapshot.seq, deps.factsTtlMs);
          if (json !== undefined) facts.keep(snapshot.deviceId, snapshot.seq, json);
          warmed++;
        }
      }
    }
  } catch {
    return warmed;
  }
}
