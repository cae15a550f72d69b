/**
 * The writer thread's entry (started by writer-thread.ts). It owns its own connection and runs
 * one transaction per message — a snapshot batch, a group of compliance writes or a batch of
 * events — in arrival
 * order, answering each with the per-item results only after the commit returned — with
 * synchronous=FULL, after the fsync.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createComplianceWriter } from "./compliance.ts";
import { openSqliteConnection } from "./connection.ts";
import { createEventBatchWriter } from "./events.ts";
import { createSnapshotBatchWriter } from "./snapshot-writes.ts";
import type { WriterReply, WriterRequest, WriterStart } from "./writer-protocol.ts";

const port = parentPort;
if (!port) throw new Error("writer-worker.ts runs only as a worker thread");
const { path, historyLimit } = workerData as WriterStart;
let db: ReturnType<typeof openSqliteConnection>;
let write: ReturnType<typeof createSnapshotBatchWriter>;
let writeCompliance: ReturnType<typeof createComplianceWriter>;
let writeEvents: ReturnType<typeof createEventBatchWriter>;
try {
  db = openSqliteConnection(path);
  write = createSnapshotBatchWriter(db, historyLimit);
  writeCompliance = createComplianceWriter(db);
  writeEvents = createEventBatchWriter(db);
} catch (error) {
  // SqliteError loses its message crossing to the parent's 'error' event; a plain Error keeps it.
  const e = error as { message?: unknown; code?: unknown };
  // eslint-disable-next-line preserve-caught-error -- the worker boundary would carry the SqliteError cause badly; its text is copied instead
  throw new Error(`cannot start the snapshot writer on ${path}: ${String(e?.message ?? error)}${typeof e?.code === "string" ? ` (${e.code})` : ""}`);
}

port.on("message", (request: WriterRequest) => {
  if (request.type === "close") {
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    const results = request.type === "write" ? write(request.batch) : request.type === "compliance" ? writeCompliance(request.writes) : (writeEvents(request.events), null);
    reply = { id: request.id, results };
  } catch (error) {
    const e = error as { message?: unknown; code?: unknown };
    reply = { id: request.id, error: { message: String(e?.message ?? error), code: typeof e?.code === "string" ? e.code : undefined } };
  }
  port.postMessage(reply);
});
