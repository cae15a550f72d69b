/**
 * A verify thread's entry (started by verify-pool.ts): answers each frame with its verdict
 * (frame-verdict.ts), keeping its own cache of the devices' KeyObjects.
 */
import { parentPort } from "node:worker_threads";
import { frameVerdict } from "./frame-verdict.ts";
import { PublicKeyCache } from "./key-cache.ts";
import type { VerifyReply, VerifyRequest } from "./verify-protocol.ts";

const port = parentPort;
if (!port) throw new Error("verify-worker.ts runs only as a worker thread");
const keys = new PublicKeyCache();

port.on("message", (request: VerifyRequest) => {
  let reply: VerifyReply;
  try {
    reply = { id: request.id, verdict: frameVerdict(request.bytes, request.publicKey, keys, request.latest) };
  } catch (error) {
    // A bug, not the frame's fault: the frame fails, the thread stays.
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies VerifyReply);
