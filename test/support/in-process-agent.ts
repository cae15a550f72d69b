/**
 * The agent's run loop (runAgent: what `facet-agent run` runs) inside the test's process, its
 * session events recorded so a test can wait for one.
 */
import type { Collected } from "../../agent/collectors/types.ts";
import { runAgent, type SessionEvent } from "../../agent/index.ts";

export interface InProcessAgent {
  events: SessionEvent[];
  /** The first event (so far or to come) that `pred` accepts; fails naming `what` and the events seen. */
  waitFor(pred: (e: SessionEvent) => boolean, what: string, ms?: number): Promise<SessionEvent>;
  /** Resolves when the loop ends: with its error, or undefined. */
  outcome: Promise<unknown>;
  /** Aborts the loop and resolves with its outcome. */
  stop(): Promise<unknown>;
}

export function startInProcessAgent(stateDir: string, options: { collect?: () => Promise<Collected>; waitMs?: number } = {}): InProcessAgent {
  const ac = new AbortController();
  const events: SessionEvent[] = [];
  const listeners = new Set<() => void>();
  const running = runAgent({
    stateDir,
    signal: ac.signal,
    backoff: { baseMs: 50, capMs: 200 },
    ...(options.collect ? { collect: options.collect } : {}),
    onEvent: (e) => {
      events.push(e);
      for (const l of listeners) l();
    },
  });
  const outcome = running.then(() => undefined, (err: unknown) => err);
  const waitFor = (pred: (e: SessionEvent) => boolean, what: string, ms = options.waitMs ?? 15_000) =>
    new Promise<SessionEvent>((resolve, reject) => {
      const check = () => {
        const hit = events.find(pred);
        if (hit) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events.map((e) => e.type))}`));
      }, ms);
      listeners.add(check);
      check();
    });
  return {
    events,
    waitFor,
    outcome,
    async stop() {
      ac.abort();
      return outcome;
    },
  };
}
