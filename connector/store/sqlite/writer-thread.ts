/**
 * Runs the snapshot batch and compliance write transactions on a worker thread with its own
 * connection.
 *
 * better-sqlite3 is synchronous: on the main thread a batch commit (most of it the WAL fsync of
 * synchronous=FULL; docs/performance.md) stops the event loop, so no frame is read or
 * verified meanwhile and the two cores never overlap signature checks with writes. Here the
 * commit runs on the second core while the main thread verifies the next batch. Compliance
 * writes (the first endpoint check of a device) and batches of events (the sign-in decisions'
 * audit record) take the same way so sign-ins are not stalled by an fsync either. The contract is unchanged: a write resolves with per-item results only after
 * its transaction committed.
 *
 * The thread is started on the first write, holds the process open only while a write is
 * pending, and is restarted by the next write if it dies (the writes in flight then reject with
 * the reason, so callers never ack them). close() lets every queued write commit first.
 */
import { Worker } from "node:worker_threads";
import type { ComplianceWrite, NewEvent, SnapshotWriteResult } from "../types.ts";
import type { SnapshotRowWrite } from "./snapshot-writes.ts";
import type { WriterReply, WriterRequest, WriterStart } from "./writer-protocol.ts";

/**
 * In the built connector (scripts/build/commands.ts) the boot module and the worker are bundled
 * files whose paths, relative to the file this code ends up in, the build writes here; under tsx
 * it is undefined and the TypeScript source beside this file is started.
 */
declare const FACET_BUILT_WRITER_BOOT: string | undefined;
declare const FACET_BUILT_WRITER_ENTRY: string | undefined;
/**
 * In the packaged connector (scripts/package/connector/) there are no files beside the code: the
 * writer's whole bundle is this string, run as an eval worker.
 */
declare const FACET_EMBEDDED_WRITER: string | undefined;

type Results = SnapshotWriteResult[] | boolean[] | null;

interface Pending {
  kind: "snapshot" | "compliance" | "events";
  resolve(results: Results): void;
  reject(error: Error): void;
}

export class SnapshotWriterThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing: Promise<void> | null = null;

  constructor(private readonly start: WriterStart) {}

  /** `move`: buffers of the batch's rows that nothing else holds (store copies), moved rather than cloned. */
  write(batch: SnapshotRowWrite[], move: ArrayBuffer[] = []): Promise<SnapshotWriteResult[]> {
    return this.send("snapshot", (id) => ({ type: "write", id, batch }), move) as Promise<SnapshotWriteResult[]>;
  }

  /** One compliance transaction; resolves with, per write, whether the result changed. */
  writeCompliance(writes: ComplianceWrite[]): Promise<boolean[]> {
    return this.send("compliance", (id) => ({ type: "compliance", id, writes })) as Promise<boolean[]>;
  }

  /** One transaction inserting every event; resolves once it committed. */
  async writeEvents(events: NewEvent[]): Promise<void> {
    await this.send("events", (id) => ({ type: "events", id, events }));
  }

  private send(kind: Pending["kind"], request: (id: number) => WriterRequest, move: ArrayBuffer[] = []): Promise<Results> {
    if (this.closing) return Promise.reject(new Error("the SQLite store is closed"));
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    const message = request(id);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { kind, resolve, reject });
      worker.ref();
      worker.postMessage(message, move);
    });
  }

  /** Commits everything already queued, then stops the thread and closes its connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker) return;
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.ref();
      worker.postMessage({ type: "close" } satisfies WriterRequest);
      await exited;
    })();
    return this.closing;
  }

  private spawn(): Worker {
    const worker = typeof FACET_EMBEDDED_WRITER === "string" ? new Worker(FACET_EMBEDDED_WRITER, { eval: true, workerData: { ...this.start } }) : this.spawnFromFiles();
    this.worker = worker;
    worker.unref();
    worker.on("message", (reply: WriterReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      // While closing, the thread must keep the process alive until it has exited.
      if (this.pending.size === 0 && !this.closing) worker.unref();
      if ("results" in reply) p.resolve(reply.results);
      else p.reject(Object.assign(new Error(reply.error.message), reply.error.code ? { code: reply.error.code } : {}));
    });
    worker.on("error", (error) => this.lost(worker, error));
    worker.on("exit", (code) => this.lost(worker, new Error(`the SQLite writer thread exited with code ${code}`)));
    return worker;
  }

  private spawnFromFiles(): Worker {
    const built = typeof FACET_BUILT_WRITER_BOOT === "string" && typeof FACET_BUILT_WRITER_ENTRY === "string";
    return new Worker(new URL(built ? FACET_BUILT_WRITER_BOOT : "./worker-boot.mjs", import.meta.url), {
      workerData: { entry: new URL(built ? FACET_BUILT_WRITER_ENTRY : "./writer-worker.ts", import.meta.url).href, ...this.start },
    });
  }

  /** The thread died: nothing it had not answered is known to be committed, so those writes fail. */
  private lost(worker: Worker, cause: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error(`${p.kind} write failed: ${cause.message}`, { cause }));
    this.pending.clear();
  }
}
