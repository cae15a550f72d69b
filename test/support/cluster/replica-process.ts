/**
 * A connector replica as a real child process (`facet-connector serve --database postgres://…`),
 * so a test can `kill -9` it.
 * Resolves once the process logs "connector listening" with its URL (port 0: any free port).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ReplicaProcess {
  id: string;
  url: string;
  agentUrl: string;
  child: ChildProcess;
  /** stdout and stderr so far, for failure messages. */
  logs(): string;
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGKILL if still running, then removes its state directory. */
  stop(): Promise<void>;
}

/** argv + env for one replica process (node with tsx), for child_process.spawn. */
function spawnReplicaCommand(database: string, port: number, replicaId: string): { command: string; args: string[]; env: Record<string, string> } {
  return {
    command: process.execPath,
    args: ["--import", "tsx", new URL("../../../connector/main.ts", import.meta.url).pathname, "serve", "--database", database, "--port", String(port), "--host", "127.0.0.1"],
    env: { FACET_REPLICA_ID: replicaId },
  };
}

export async function startReplicaProcess(database: string, id: string, options: { leaseMs?: number; startTimeoutMs?: number } = {}): Promise<ReplicaProcess> {
  const dir = mkdtempSync(join(tmpdir(), `facet-replica-${id}-`));
  const cmd = spawnReplicaCommand(database, 0, id);
  const child = spawn(cmd.command, cmd.args, {
    cwd: new URL("../../..", import.meta.url).pathname,
    // Only what the replica needs: nothing from the developer's shell leaks into the test.
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      FACET_CONNECTOR_STATE_DIR: dir,
      FACET_LOG_LEVEL: "info",
      FACET_CLUSTER_LEASE_MS: String(options.leaseMs ?? 1000),
      FACET_OS_CATALOG_REFRESH: "off",
      ...cmd.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let logs = "";
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code ?? -1)));
  const listening = new Promise<{ url: string; agentUrl: string }>((resolve, reject) => {
    let pending = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      logs += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string; agentUrl?: string };
          if (entry.msg === "connector listening" && entry.url && entry.agentUrl) resolve({ url: entry.url, agentUrl: entry.agentUrl });
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (logs += chunk.toString()));
    void exited.then((how) => reject(new Error(`replica ${id} exited (${how}) before listening:\n${logs}`)));
    setTimeout(() => reject(new Error(`replica ${id} did not start within ${options.startTimeoutMs ?? 90_000} ms:\n${logs}`)), options.startTimeoutMs ?? 90_000).unref();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { url, agentUrl } = await listening;
    return { id, url, agentUrl, child, logs: () => logs, exited, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
