/**
 * A verify thread's entry (started by verify-pool.ts): answers each frame with its verdict
 * (frame-verdict.ts) and each `auth` proof with whether it verifies, keeping its own cache of the
 * devices' KeyObjects.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { PublicKeyCache } from "./key-cache.ts";
import { runVerifyTask, type VerifyReply, type VerifyRequest, type VerifyResult } from "./verify-protocol.ts";

const port = parentPort;
if (!port) throw new Error("verify-worker.ts runs only as a worker thread");
const keys = new PublicKeyCache();
yieldToEventLoop();

port.on("message", (request: VerifyRequest) => {
  let reply: VerifyReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const result = runVerifyTask(request.task, keys);
    transfer = movable(result);
    reply = { id: request.id, result };
  } catch (error) {
    // A bug, not the frame's fault: the frame fails, the thread stays.
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, transfer);
});
port.postMessage({ ready: true } satisfies VerifyReply);

/**
 * An accepted snapshot's body and deflated view are moved, not copied: the main thread keeps them
 * for device reads (lookup/index.ts) and moves the store's copies on to the store's thread
 * (store/deflated-view.ts gives the view a buffer of its own; frame-verdict.ts the body and the
 * copies). So is a compact frame handed back. Returns what to move.
 */
function movable(result: VerifyResult): ArrayBuffer[] {
  if (typeof result === "boolean") return [];
  const accepted = result.kind === "snapshot" && result.body?.ok ? result.body : null;
  const moved = result.kind === "compact" ? [result.bytes] : accepted ? [accepted.view.deflated, accepted.body, accepted.storeCopy.body, accepted.storeCopy.view] : [];
  return moved.flatMap((bytes) => (bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : []));
}

/**
 * Sign-ins first, also when the cores are short: on Linux a thread's nice value is its own, so this
 * thread runs 10 steps nicer than the process and the scheduler gives the event loop that answers
 * sign-ins the core whenever both want it. Best effort: elsewhere (no /proc/thread-self) nothing
 * changes.
 */
function yieldToEventLoop(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + 10));
  } catch {
    // Not Linux, or not allowed: the thread keeps the process's priority.
  }
}
