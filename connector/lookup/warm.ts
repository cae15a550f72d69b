/**
 * Fills the policy snapshots' cache (snapshot-cache.ts) in the background after startup, so the
 * first sign-in of each device after a restart does not wait for the store. Policy snapshots are
 * read as the text stored at ingest, and a whole snapshot only for a device without a usable one
 * (stored-policy-snapshots.ts): at 50,000 devices, reading every 64 KB body was most of the warm-up.
 *
 * Device views are not warmed: a read serves the view stored at ingest, deflated, as it is (a gzip
 * response, http/gzip-pieces.ts), which a cached text could not; warming them inflated each one on
 * the event loop and held hundreds of MB of text in its heap.
 *
 * Warming can never make an answer stale: the cache is keyed by (device, seq) and used only
 * when that seq equals the device row read by the request, and `put` never replaces a newer seq
 * with an older one. Pages are small and each is followed by a macrotask yield, so requests that
 * arrive meanwhile are served between pages; warming stops when the policy snapshots have reached
 * their byte budget (so it never reads the whole fleet's snapshots into memory), when every device
 * was seen, or on the first store error (a closed store, a database restart) — it is an
 * optimisation, never a reason to fail.
 *
 *   void warmLookupCaches(deps, snapshots); // fire and forget (LatestFacts.warm)
 */
import type { Device } from "../store/types.ts";
import type { PolicySnapshot } from "./policy-snapshot.ts";
import type { SnapshotCache } from "./snapshot-cache.ts";
import { readPolicySnapshots, type PolicySnapshotStore } from "./stored-policy-snapshots.ts";

export interface WarmDeps {
  store: PolicySnapshotStore & {
    listDevices(query: { after?: string; limit: number }): Promise<Device[]>;
  };
}

/** Devices read per page: a page costs a few milliseconds of event loop, then requests go first. */
export const WARM_PAGE = 128;

/** Snapshots read per store query: what one query brings into memory stays small however large a body is. */
const SNAPSHOTS_PER_READ = 16;

const yieldToRequests = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const full = (cache: { heldBytes: number; capacityBytes: number }) => cache.heldBytes >= cache.capacityBytes * 0.95;

/** Resolves with how many devices were put in the cache. */
export async function warmLookupCaches(deps: WarmDeps, snapshots: SnapshotCache<PolicySnapshot>): Promise<number> {
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
        // Past its budget each put would only push out a device warmed a moment ago.
        if (full(snapshots)) return warmed;
        const read = await readPolicySnapshots(deps.store, live.slice(i, i + SNAPSHOTS_PER_READ));
        for (const snapshot of read.snapshots) {
          snapshots.put(snapshot);
          warmed++;
        }
      }
    }
  } catch {
    return warmed;
  }
}
