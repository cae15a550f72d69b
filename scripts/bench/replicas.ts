/** Starting and stopping the connector replicas under test. */
import { builtConnectorHarness } from "./built-connector.ts";
import { spawnChild, type Child } from "./child.ts";
import type { ConnectorLimits } from "../../connector/options.ts";

export interface Replica {
  child: Child;
  url: string;
  agentUrl: string;
  adminToken: string;
  port: number;
  pid: number;
}

export async function startReplica(database: string, limits: Partial<ConnectorLimits>, port = 0): Promise<Replica> {
  const child = spawnChild(await builtConnectorHarness(), { plain: true, args: [database, JSON.stringify(limits), String(port)] });
  const m = await child.next<Omit<Replica, "child">>("listening", 60_000);
  return { child, url: m.url, agentUrl: m.agentUrl, adminToken: m.adminToken, port: m.port, pid: m.pid };
}

export async function startReplicas(database: string, count: number, limits: Partial<ConnectorLimits>): Promise<Replica[]> {
  const replicas: Replica[] = [];
  // One at a time: the first applies migrations; the others find them done.
  for (let i = 0; i < count; i++) replicas.push(await startReplica(database, limits));
  return replicas;
}

export async function replicaStatus(replica: Replica): Promise<{ rss: number; heapUsed: number; agents: number }> {
  return replica.child.request({ type: "status" }, "status");
}

export async function stopReplicas(replicas: Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      try {
        await r.child.request({ type: "close" }, "closed", 15_000);
      } catch {
        /* gone */
      }
      await r.child.kill();
    }),
  );
}
