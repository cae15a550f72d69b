/** Bench child processes (connector, baselines, load generators) talk over IPC; all but the built connector run through tsx. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface Child {
  process: ChildProcess;
  send(message: unknown): void;
  /** Resolves with the next message of this type (rejects if the child exits first). */
  next<T = Record<string, unknown>>(type: string, timeoutMs?: number): Promise<T>;
  request<T = Record<string, unknown>>(message: { type: string }, replyType: string, timeoutMs?: number): Promise<T>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** The script is plain JavaScript (a bundle): started without tsx. */
  plain?: boolean;
}

export function benchScript(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

export function spawnChild(script: string, options: SpawnOptions = {}): Child {
  const child = fork(script, options.args ?? [], {
    execArgv: [...(options.plain ? [] : ["--import", "tsx"]), "--expose-gc", ...(options.nodeFlags ?? [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, FACET_LOG_LEVEL: process.env.FACET_LOG_LEVEL ?? "silent", ...options.env },
  });
  const waiters: { type: string; resolve(m: unknown): void; reject(e: Error): void }[] = [];
  const inbox: Record<string, unknown>[] = [];
  let exited: Error | null = null;
  child.on("message", (raw) => {
    const message = raw as Record<string, unknown>;
    const i = waiters.findIndex((w) => w.type === message.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  child.on("exit", (code, signal) => {
    exited = new Error(`${script} exited (${signal ?? code})`);
    for (const w of waiters.splice(0)) w.reject(exited);
  });
  const next = <T>(type: string, timeoutMs = 120_000): Promise<T> => {
    const i = inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as T);
    if (exited) return Promise.reject(exited);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  };
  return {
    process: child,
    send: (message) => {
      if (child.connected) child.send(message as never);
    },
    next,
    request<T>(message: { type: string }, replyType: string, timeoutMs?: number) {
      if (!child.connected) return Promise.reject(new Error(`${script} is gone`));
      const reply = next<T>(replyType, timeoutMs);
      child.send(message as never);
      return reply;
    },
    kill(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill(signal);
      });
    },
  };
}
