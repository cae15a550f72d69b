/**
 * Groups concurrent snapshot writes into one store transaction (group commit). While one
 * transaction is being committed, new writes queue up and go together into the next, so the
 * batch size follows the load: a lone write waits only for the next turn of the event loop, and a
 * busy store (a PostgreSQL round trip, a SQLite fsync in the writer thread) gets large batches
 * instead of a chain of tiny ones. Each caller gets its own item's result, after the commit.
 */
import type { SnapshotStore, SnapshotWrite, SnapshotWriteResult } from "../store/types.ts";

interface Pending {
  write: SnapshotWrite;
  resolve(result: SnapshotWriteResult): void;
  reject(error: unknown): void;
}

export class SnapshotBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: Pick<SnapshotStore, "writeSnapshots">,
    private readonly maxSize: number,
  ) {}

  write(write: SnapshotWrite): Promise<SnapshotWriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (this.running || this.scheduled) return;
      if (this.queue.length >= this.maxSize) this.flush();
      else {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when everything queued so far is committed (for shutdown). */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (!this.running) this.flush();
    });
  }

  // One transaction at a time, so a device's snapshots are applied in arrival order.
  private flush(): void {
    this.scheduled = false;
    if (this.running) return;
    if (this.queue.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.running = true;
    const batch = this.queue.splice(0, this.maxSize);
    void this.store
      .writeSnapshots(batch.map((p) => p.write))
      .then(
        (results) => batch.forEach((p, i) => p.resolve(results[i]!)),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        this.running = false;
        this.flush();
      });
  }
}
