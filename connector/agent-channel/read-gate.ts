/**
 * Back-pressure for the agent channel. The ingest queue is every frame received and not yet
 * answered, across all agents: waiting for a verify thread, being checked, or waiting for the
 * store's next batch. While it holds `max` frames or more, each agent socket that delivers one
 * more is paused (no more reads from it: its TCP window fills and the agent's sends wait); once
 * the queue is down to half, every paused socket is resumed. So a burst of agents queues in their
 * own send buffers instead of in this process, and the event loop stays free for sign-ins.
 *
 * Only sockets that deliver while the queue is deep are paused, so the cost follows the frames,
 * not the number of connected agents. A frame already read is still queued: the per-connection
 * limits (rate-limit.ts, maxPendingFrames) bound what one agent can have in flight.
 */
export interface Pausable {
  pause(): void;
  resume(): void;
}

export class ReadGate<S extends Pausable = Pausable> {
  private queued = 0;
  private readonly paused = new Set<S>();

  constructor(private readonly max: number) {}

  /** Frames in the ingest queue. */
  get depth(): number {
    return this.queued;
  }

  /** Sockets not being read. */
  get pausedCount(): number {
    return this.paused.size;
  }

  /** A frame from `socket` joins the queue. */
  enter(socket: S): void {
    this.queued += 1;
    if (this.queued >= this.max && !this.paused.has(socket)) {
      this.paused.add(socket);
      socket.pause();
    }
  }

  /** A frame has been answered. */
  leave(): void {
    this.queued -= 1;
    if (this.paused.size > 0 && this.queued <= this.max / 2) this.resumeAll();
  }

  isPaused(socket: S): boolean {
    return this.paused.has(socket);
  }

  /** The socket closed: nothing to resume. */
  forget(socket: S): void {
    this.paused.delete(socket);
  }

  /** Every paused socket is read again (at shutdown: their closing handshakes must be read). */
  resumeAll(): void {
    const sockets = [...this.paused];
    this.paused.clear();
    for (const socket of sockets) socket.resume();
  }
}
