/**
 * Names the connector's worker threads for thread-cpu.ts. Node 20 names every thread "node", so
 * the bench cannot tell a worker's CPU from the main thread's helpers by /proc alone: imported
 * first by connector-process.ts, this wraps worker_threads.Worker (the connector's own imports
 * see the wrapper: builtin ESM exports are live bindings, re-synced below) and records which new
 * OS thread each Worker started, labelled by its script's file name (or, for a boot module that
 * loads the real one, by `workerData.entry`'s: worker-boot.mjs starts both the SQLite writer and
 * the verify threads).
 */
import { readdirSync } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { basename } from "node:path";
import type { Worker as WorkerType, WorkerOptions } from "node:worker_threads";

const labels = new Map<number, string>();
const require = createRequire(import.meta.url);
const threads = require("node:worker_threads") as typeof import("node:worker_threads");
const Original = threads.Worker;

function taskIds(): Set<number> {
  try {
    return new Set(readdirSync(`/proc/${process.pid}/task`).map(Number));
  } catch {
    return new Set();
  }
}

function labelOf(filename: string | URL, options?: WorkerOptions): string {
  if (options?.eval) return "worker (eval)";
  const data = options?.workerData as { entry?: unknown } | undefined;
  const script = typeof data?.entry === "string" ? new URL(data.entry).pathname : typeof filename === "string" ? filename : filename.pathname;
  return `worker ${basename(script)}`;
}

class LabelledWorker extends Original {
  constructor(filename: string | URL, options?: WorkerOptions) {
    const before = taskIds();
    super(filename, options);
    const label = labelOf(filename, options);
    this.once("online", () => {
      for (const tid of taskIds()) if (!before.has(tid) && !labels.has(tid)) labels.set(tid, label);
    });
  }
}
threads.Worker = LabelledWorker as unknown as typeof WorkerType;
syncBuiltinESMExports();

/** OS thread id → label of every worker thread started so far. */
export function workerThreadLabels(): Map<number, string> {
  return new Map(labels);
}
