/**
 * Starts N connector replicas on one PostgreSQL in this process, for benches and tests:
 *
 *   const replicas = await startReplicas({ database: "postgres://postgres@127.0.0.1/test?schema=bench", count: 2 });
 *   replicas.map((r) => r.url);            // spread agents and requests over these
 *   await Promise.all(replicas.map((r) => r.close()));
 *
 * In production run one `facet-connector serve --database postgres://…` process per replica
 * instead (docs/scale.md); in-process replicas share one event loop and prove coordination,
 * not capacity. For capacity, spawn processes: `spawnReplicaCommand()` gives the command line.
 */
import { createConnector, type Connector, type ConnectorOptions } from "../app.ts";

export interface ReplicaSetOptions extends Omit<ConnectorOptions, "database" | "store" | "hub" | "port"> {
  database: string;
  count: number;
  /** First port; replica i listens on basePort + i. Default 0 (any free port each). */
  basePort?: number;
}

export async function startReplicas(options: ReplicaSetOptions): Promise<Connector[]> {
  const { count, basePort, database, ...rest } = options;
  const replicas: Connector[] = [];
  try {
    for (let i = 0; i < count; i++) {
      replicas.push(await createConnector({ ...rest, database, port: basePort ? basePort + i : 0 }));
    }
  } catch (err) {
    await Promise.all(replicas.map((r) => r.close()));
    throw err;
  }
  return replicas;
}

/** argv + env for one replica process (node with tsx), e.g. for child_process.spawn. */
export function spawnReplicaCommand(database: string, port: number, replicaId: string): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: process.execPath,
    args: ["--import", "tsx", new URL("../main.ts", import.meta.url).pathname, "serve", "--database", database, "--port", String(port), "--host", "127.0.0.1"],
    env: { FACET_REPLICA_ID: replicaId },
  };
}
