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
  private readonly held: TurnReader[] = [];
  private next = 0;
  private refillScheduled = false;
  /** ws's 'data' listener, one function for every socket. */
  private wsHandler: DataHandler | undefined;
  /** One listener for every socket, finding its reader through a property: an idle connection costs no closure. */
  private readonly onData: DataHandler;

  constructor(private readonly perTurn: number) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError("perTurn must be a positive integer");
    this.left = perTurn;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listener's own `this` is the socket
    const turns = this;
    this.onData = function (this: TurnSocket, chunk: Buffer) {
      turns.deliver(this, chunk);
    };
  }

  /** Sockets waiting for a later turn. */
  get waiting(): number {
    return this.held.length - this.next;
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
    return true;
  }

  private deliver(socket: TurnSocket, chunk: Buffer): void {
    // As the socket closes, ws reads what is left itself (socket.read(), which emits 'data' too).
    if (socket.destroyed) return;
    if (this.take()) {
      this.wsHandler!.call(socket, chunk);
      return;
    }
    socket[READER]!.hold();
    // Paused here too (whatever else holds it), so the chunk is buffered at the front rather than emitted again now.
    socket.pause();
    socket.unshift(chunk);
    this.held.push(socket[READER]!);
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
    // A closing session is released too: the agent's answer to its close frame must be read.
    for (let released = 0; released < this.perTurn && this.next < this.held.length; released++) this.held[this.next++]!.release();
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
