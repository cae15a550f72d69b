/**
 * An agent that behaves as the protocol asks a real one to (docs/protocol.md): it numbers its
 * snapshots, keeps every one it has not seen acknowledged, and after a reconnect — to whichever
 * replica the load balancer picks — resends them in order. A resent snapshot answered
 * `replayed_seq` counts as stored only when the new welcome's lastSeq covers it (the replica
 * committed it and died, or lost its database connection, before acking); any other refusal is
 * recorded as a violation for the test to report.
 */
import { ProtocolClient, type TestDevice } from "../protocol-client.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AgentOptions {
  /** Snapshots this agent produces in total (seq 1…total). */
  total: number;
  /** Snapshots sent before waiting for an answer. */
  window: number;
  /** Pause after each answer, so the run lasts long enough to be interrupted. */
  paceMs: number;
}

export class ResendingAgent {
  readonly acked = new Set<number>();
  /** Answered `replayed_seq` after a reconnect with welcome.lastSeq ≥ seq: stored, never acked. */
  readonly storedOnReplay: number[] = [];
  readonly violations: string[] = [];
  /** Snapshots answered `internal` (the replica's database connection failed under it). */
  internalErrors = 0;
  connections = 0;
  private readonly outstanding = new Set<number>();
  private nextSeq = 1;
  private stopped = false;
  private current: ProtocolClient | null = null;

  constructor(
    readonly device: TestDevice,
    readonly options: AgentOptions,
  ) {}

  get done(): boolean {
    return this.nextSeq > this.options.total && this.outstanding.size === 0;
  }

  /** Seqs sent at least once and not yet confirmed stored. */
  get unconfirmed(): number[] {
    return [...this.outstanding].sort((a, b) => a - b);
  }

  /** Sessions until every snapshot is confirmed; `target()` names the agent URL for each attempt. */
  async run(target: () => string, deadline: number): Promise<void> {
    while (!this.done && !this.stopped) {
      if (Date.now() > deadline) throw new Error(`${this.device.deviceId}: not done by the deadline; unconfirmed ${this.unconfirmed.join(",")}`);
      const ended = await this.session(target());
      if (ended !== "done") await sleep(50 + Math.random() * 100);
    }
  }

  stop(): void {
    this.stopped = true;
    this.current?.ws.terminate();
  }

  /** One connection: resend what is outstanding, then new snapshots; ends when done or the connection fails. */
  private async session(agentUrl: string): Promise<"done" | "closed" | "failed"> {
    let client: ProtocolClient;
    try {
      client = await ProtocolClient.connect(agentUrl);
    } catch {
      return "failed";
    }
    // After open, a reset by a dying replica surfaces as 'error' then 'close'; only close matters.
    client.ws.on("error", () => {});
    this.current = client;
    this.connections += 1;
    const closed = client.closed.then(() => null);
    const welcome = await Promise.race([client.authenticate(this.device).catch(() => null), closed]);
    if (!welcome || welcome.type !== "welcome") {
      client.ws.terminate();
      return "failed";
    }
    const lastSeq = welcome.lastSeq;
    const resend = this.unconfirmed;
    const inflight: number[] = [];
    let failing = false;
    for (;;) {
      while (!failing && !this.stopped && inflight.length < this.options.window) {
        let seq = resend.shift();
        if (seq === undefined) {
          if (this.nextSeq > this.options.total) break;
          seq = this.nextSeq++;
          this.outstanding.add(seq);
        }
        client.sendJson(client.snapshotFrame(this.device, { seq }));
        inflight.push(seq);
      }
      if (inflight.length === 0) {
        client.close();
        return this.done ? "done" : "closed";
      }
      const frame = await Promise.race([client.next(undefined, 20_000).catch(() => null), closed]);
      if (!frame) {
        client.ws.terminate();
        return "closed";
      }
      // The connector answers each frame exactly once, in order.
      const seq = inflight.shift()!;
      if (frame.type === "ack" && frame.seq === seq) {
        this.acked.add(seq);
        this.outstanding.delete(seq);
      } else if (frame.type === "error" && frame.code === "replayed_seq" && seq <= lastSeq) {
        this.storedOnReplay.push(seq);
        this.outstanding.delete(seq);
      } else if (frame.type === "error" && (frame.code === "internal" || frame.code === "store_unavailable")) {
        // A real agent backs off and reconnects; nothing after this frame is sent on this connection.
        this.internalErrors += 1;
        failing = true;
      } else {
        this.violations.push(`seq ${seq} (welcome.lastSeq ${lastSeq}) answered ${JSON.stringify(frame)}`);
        this.outstanding.delete(seq);
      }
      if (failing && inflight.length === 0) {
        client.close();
        return "closed";
      }
      if (this.options.paceMs > 0) await sleep(this.options.paceMs);
    }
  }
}
