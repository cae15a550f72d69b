/**
 * Policy snapshots of devices none of the caches hold, read from the store: from the policy facts
 * stored at ingest (`snapshot_policy_facts`, a few KB a device) where they were made for the
 * device's latest seq under the current POLICY_FACTS_VERSION, and from the whole ~64 KB snapshot
 * only for the others (stored before migration 007, or under an older version). At 50,000
 * devices, reading and scanning whole bodies was what made the first sign-ins after a restart
 * and the warm-up slow.
 *
 *   const { snapshots } = await readPolicySnapshots(store, [{ id, lastSeq }]);
 */
import type { Device, SnapshotStore } from "../store/types.ts";
import { policySnapshotOf, storedPolicySnapshot, type PolicySnapshot } from "./policy-snapshot.ts";

export type PolicySnapshotStore = Pick<SnapshotStore, "latestPolicyFacts" | "latestSnapshots">;

export interface PolicySnapshotReads {
  /** Devices that never reported are absent. */
  snapshots: PolicySnapshot[];
  /** Devices answered from their stored policy facts, and devices whose whole snapshot was read instead. */
  stored: number;
  whole: number;
}

/** At most two store queries, the second only for devices without usable stored policy facts. */
export async function readPolicySnapshots(store: PolicySnapshotStore, devices: Pick<Device, "id" | "lastSeq">[]): Promise<PolicySnapshotReads> {
  const snapshots: PolicySnapshot[] = [];
  if (devices.length === 0) return { snapshots, stored: 0, whole: 0 };
  const stored = await store.latestPolicyFacts(devices.map((d) => d.id));
  const rest: string[] = [];
  for (const d of devices) {
    const held = storedPolicySnapshot(d.id, stored.get(d.id), d.lastSeq);
    if (held) snapshots.push(held);
    else rest.push(d.id);
  }
  if (rest.length > 0) for (const whole of (await store.latestSnapshots(rest)).values()) snapshots.push(policySnapshotOf(whole));
  return { snapshots, stored: devices.length - rest.length, whole: rest.length };
}
