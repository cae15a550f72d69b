/**
 * Picks the agent hub for a store: on PostgreSQL, the cluster hub (any number of replicas may
 * share the database); on SQLite, the in-process hub. Loaded lazily by the app so a SQLite-only
 * connector never loads `pg`.
 */
import type { Logger } from "pino";
import { LocalAgentHub, type ConnectionHub } from "../agent-channel/hub.ts";
import type { Store } from "../store/types.ts";
import { PostgresStore } from "../store/postgres/store.ts";
import type { ClusterBus } from "./bus.ts";
import { ClusterAgentHub, type ClusterHubOptions } from "./hub.ts";

export { ClusterAgentHub, type ClusterHubOptions } from "./hub.ts";

export type StoppableHub = ConnectionHub & { stop?(): Promise<void> };

/** The replicas' bus of a cluster hub, which the store's read cache listens on (store/read-cache/); null for any other hub. */
export function clusterBusOf(hub: ConnectionHub): ClusterBus | null {
  return hub instanceof ClusterAgentHub ? hub.bus : null;
}

export async function hubForStore(store: Store, options: ClusterHubOptions & { log?: Logger } = {}): Promise<StoppableHub> {
  if (!(store instanceof PostgresStore)) return new LocalAgentHub();
  // FACET_REPLICA_ID names a replica in logs and presence rows; random when unset.
  const replicaId = options.replicaId ?? process.env.FACET_REPLICA_ID ?? undefined;
  // FACET_CLUSTER_LEASE_MS: how long a dead replica's agents still read as connected (default 15 s).
  const lease = Number(process.env.FACET_CLUSTER_LEASE_MS);
  const leaseMs = options.leaseMs ?? (Number.isInteger(lease) && lease >= 300 ? lease : undefined);
  return ClusterAgentHub.start(store, { ...options, ...(replicaId ? { replicaId } : {}), ...(leaseMs ? { leaseMs } : {}) });
}
