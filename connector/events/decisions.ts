/**
 * The audit record of sign-in decisions: one `signin.decision` event per endpoint check, written
 * in batches (one transaction every FLUSH_MS) so that the sign-in path never waits on a durable
 * write of its own, and a busy auth server costs a few commits a second, not one per sign-in.
 * A decision is in the log within FLUSH_MS; `close()` writes what is left.
 */
import type { Logger } from "pino";
import type { EventStore, NewEvent } from "../store/types.ts";

const FLUSH_MS = 250;
/** Past this many unwritten decisions (a store that is down), new ones are counted, not kept. */
const MAX_BUFFERED = 20_000;

export class DecisionLog {
  private buffer: NewEvent[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<EventStore, "recordEvents">,
    private readonly log: Logger,
  ) {}

  record(event: NewEvent): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.dropped++;
      return;
    }
    this.buffer.push(event);
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes everything buffered; resolves once it is stored (or failed and was logged). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const batch = this.buffer;
      this.buffer = [];
      try {
        await this.store.recordEvents(batch);
      } catch (error) {
        // Put back for the next attempt, within the bound.
        this.buffer = [...batch, ...this.buffer].slice(0, MAX_BUFFERED);
        this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 8);
        this.log.warn({ err: (error as Error).message, pending: this.buffer.length }, "sign-in decisions could not be written yet");
      }
      if (this.dropped > 0) {
        this.log.error({ dropped: this.dropped }, "sign-in decisions were dropped: the event store did not keep up");
        this.dropped = 0;
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
