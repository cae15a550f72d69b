/** Starting, killing and restarting a connector child process (connector-child.ts). */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export interface ChildConnector {
  process: ChildProcess;
  url: string;
  agentUrl: string;
  port: number;
  adminToken?: string;
  enrollToken?: string;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

const script = fileURLToPath(new URL("./connector-child.ts", import.meta.url));

export async function startChildConnector(database: string, port = 0, limits: Record<string, unknown> = {}): Promise<ChildConnector> {
  const child = spawn(process.execPath, ["--import", "tsx", script, database, String(port), JSON.stringify(limits)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, FACET_LOG_LEVEL: "silent" },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (l) => resolve(l));
    child.once("exit", (code) => reject(new Error(`connector child exited (${code}) before listening`)));
    setTimeout(() => reject(new Error("connector child did not start within 30 s")), 30_000).unref();
  });
  return { process: child, exited, ...(JSON.parse(line) as Omit<ChildConnector, "process" | "exited">) };
}

export async function killChild(child: ChildConnector, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill(signal);
  await child.exited;
}
