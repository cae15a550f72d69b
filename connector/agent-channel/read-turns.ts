/**
 * A bound on the agent-socket reads the event loop handles per turn, so sign-ins are answered
 * between them. A burst of agents makes thousands of sockets readable at once, and one turn of
 * the loop would hand every one of their chunks to ws (reassembly, unmasking, frame checks) before
 * any HTTP request waiting behind them was parsed: a 5,000-agent burst stalled sign-ins for
 * seconds (docs/performance.md). The ingest queue's gate (read-gate.ts) bounds how many frames
 * wait; this bounds how much reading one turn does.
 *
 * Each chunk a socket delivers spends one read of the turn's budget. Once it is spent, a socket
 * that delivers is held (not read: its TCP window fills and the agent's send waits) with the
 * chunk put back in front of its stream, and it joins a queue; each later turn releases as many
 * held sockets as it has reads, in the order they were held. So a burst drains at the pace the
 * loop allows beside its requests, and no agent is starved.
 *
 * Holding a socket only once it has delivered still reads it: libuv reads every socket an epoll
 * wake-up reported before the loop moves on, one chunk (up to 64 KB, in fresh memory) each. When
 * a burst makes thousands readable at once, that is hundreds of megabytes read and put back in
 * one go, and the page faults alone kept the loop from sign-ins for seconds (docs/performance.md).
 * So once as many sockets again as the budget have delivered past it in one turn, every socket
 * not yet held is held at once: libuv skips the stopped ones still in its wake-up, and they join
 * the queue after the ones already in it.
 *
 *   const turns = new ReadTurns(limits.agentReadsPerTurn);
 *   turns.attach(socket, session); // after ws took the socket over
 */
import type { Socket } from "node:net";

export interface TurnReader {
  /** Stop reading the socket (another hold may already be in place). */
  hold(): void;
  /** End this hold; the socket is read again unless something else still holds it. */
  release(): void;
}

type DataHandler = (this: Socket, chunk: Buffer) => void;

const READER = Symbol("facet.turnReader");
type TurnSocket = Socket & { [READER]?: TurnReader };

export class ReadTurns {
  private left: number;
  /** Held with a chunk already read and put back: released first, so few chunks wait in memory. */
  private readonly withChunk: TurnSocket[] = [];
  /** Held before they were read, released in this order from `next` on. */
  private readonly held: TurnSocket[] = [];
  private next = 0;
  /** Every socket in either line. */
  private readonly holding = new Set<TurnSocket>();
  private refillScheduled = false;
  /** Sockets routed through the budget and not closed. */
  private readonly attached = new Set<TurnSocket>();
  /** Chunks delivered past the budget in this turn. */
  private over = 0;
  /** Every attached socket was held, and the queue has not emptied since. */
  private sweptAll = false;
  /** ws's 'data' listener, one function for every socket. */
  private wsHandler: DataHandler | undefined;
  /** One listener for every socket, finding its reader through a property: an idle connection costs no closure. */
  private readonly onData: DataHandler;
  private readonly onClose: (this: Socket) => void;

  constructor(private readonly perTurn: number) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError("perTurn must be a positive integer");
    this.left = perTurn;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listener's own `this` is the socket
    const turns = this;
    this.onData = function (this: TurnSocket, chunk: Buffer) {
      turns.deliver(this, chunk);
    };
    this.onClose = function (this: TurnSocket) {
      turns.attached.delete(this);
    };
  }

  /** Sockets waiting for a later turn. */
  get waiting(): number {
    return this.withChunk.length + this.held.length - this.next;
  }

  /**
   * Routes the socket's reads through the budget. Call once ws has taken the socket over: its
   * 'data' listener is the one wrapped. Returns false (and leaves the socket as it was) when the
   * socket does not have exactly ws's one, which a ws release that reads differently would show.
   */
  attach(socket: Socket, reader: TurnReader): boolean {
    const handlers = socket.listeners("data") as DataHandler[];
    if (handlers.length !== 1 || (this.wsHandler !== undefined && handlers[0] !== this.wsHandler)) return false;
    this.wsHandler = handlers[0]!;
    socket.removeListener("data", this.wsHandler);
    (socket as TurnSocket)[READER] = reader;
    socket.on("data", this.onData);
    this.attached.add(socket);
    socket.on("close", this.onClose);
    return true;
  }

  private deliver(socket: TurnSocket, chunk: Buffer): void {
    // As the socket closes, ws reads what is left itself (socket.read(), which emits 'data' too).
    if (socket.destroyed) return;
    if (this.take()) {
      this.wsHandler!.call(socket, chunk);
      return;
    }
    this.hold(socket, this.withChunk);
    // Paused here too (whatever else holds it), so the chunk is buffered at the front rather than emitted again now.
    socket.pause();
    socket.unshift(chunk);
    if (++this.over >= this.perTurn) this.holdEveryone();
  }

  private hold(socket: TurnSocket, line: TurnSocket[]): void {
    if (this.holding.has(socket)) return;
    socket[READER]!.hold();
    stopReading(socket);
    this.holding.add(socket);
    line.push(socket);
  }

  /** A burst: stop every socket before libuv reads it (see above). Once per burst: its queue has not emptied. */
  private holdEveryone(): void {
    if (this.sweptAll) return;
    this.sweptAll = true;
    for (const socket of this.attached) if (!socket.destroyed) this.hold(socket, this.held);
  }

  private take(): boolean {
    this.scheduleRefill();
    if (this.left === 0) return false;
    this.left -= 1;
    return true;
  }

  private scheduleRefill(): void {
    if (this.refillScheduled) return;
    this.refillScheduled = true;
    // setImmediate runs after this turn's I/O callbacks: the requests read in it went first.
    setImmediate(this.refill);
  }

  private readonly refill = (): void => {
    this.refillScheduled = false;
    this.left = this.perTurn;
    this.over = 0;
    // A closing session is released too: the agent's answer to its close frame must be read.
    for (let released = 0; released < this.perTurn && this.waiting > 0; released++) {
      const socket = this.withChunk.shift() ?? this.held[this.next++]!;
      this.holding.delete(socket);
      socket[READER]!.release();
      startReading(socket);
    }
    if (this.waiting === 0) this.sweptAll = false;
    if (this.next === this.held.length) {
      this.held.length = 0;
      this.next = 0;
    } else if (this.next > 1024 && this.next * 2 > this.held.length) {
      this.held.splice(0, this.next);
      this.next = 0;
    }
    if (this.waiting > 0) this.scheduleRefill();
  };
}

interface StreamHandle {
  reading?: boolean;
  readStop?: () => number;
  readStart?: () => number;
}

/**
 * A paused net.Socket still reads: libuv stops only once a read overfills the stream's buffer, so
 * each held socket would take one more chunk from the kernel. These stop libuv now and start it on
 * release, as net.Socket's own pause() and resume() do for a socket given `onread`. Should a
 * Node release change those internals, they do nothing and read-turns.test.ts fails.
 */
function stopReading(socket: Socket): void {
  const handle = handleOf(socket);
  if (!handle?.reading || typeof handle.readStop !== "function" || typeof handle.readStart !== "function") return;
  handle.reading = false;
  handle.readStop();
}

function startReading(socket: Socket): void {
  const handle = handleOf(socket);
  if (!handle || handle.reading !== false || socket.destroyed || typeof handle.readStart !== "function") return;
  handle.reading = true;
  handle.readStart();
}

function handleOf(socket: Socket): StreamHandle | null | undefined {
  return (socket as Socket & { _handle?: StreamHandle | null })._handle;
}
