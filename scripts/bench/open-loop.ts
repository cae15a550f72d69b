/**
 * An open-loop HTTP load generator: requests are issued on a fixed schedule whatever the server's
 * speed, and each latency is measured from the moment the request was *due*, not when a free
 * connection picked it up — so a stalled server shows up in p99 instead of silently slowing the
 * generator down (coordinated omission).
 */
import { Agent, request } from "node:http";
import { percentiles, type Percentiles } from "./stats.ts";

export interface OpenLoopOptions {
  url: string;
  method: "GET" | "POST";
  /** Called per request to vary the path (e.g. a different device each time). */
  path: (i: number) => string;
  body?: (i: number) => string | undefined;
  /** Per request, overrides `method` (a run mixing reads and checks). */
  methodOf?: (i: number) => "GET" | "POST";
  /** A small integer recorded with each sample, to split a mixed run's figures by request kind. */
  kindOf?: (i: number) => number;
  /** Per request when a function (a mixed run's two kinds use different tokens). */
  headers?: Record<string, string> | ((i: number) => Record<string, string>);
  ratePerSecond: number;
  durationMs: number;
  /** Sockets the generator may open; requests beyond this queue (and their wait counts as latency). */
  maxSockets?: number;
  /** Stop early once this many requests are outstanding: the server cannot keep up with the rate. */
  maxOutstanding?: number;
  /**
   * Connections opened before the schedule starts (one unmeasured request each, numbered after the
   * measured ones), as an auth server's HTTP pool holds them: the run does not begin by connecting.
   */
  openConnections?: number;
}

export interface OpenLoopResult {
  sent: number;
  completed: number;
  errors: number;
  statuses: Record<string, number>;
  latencyMs: Percentiles;
  /** The same, split at 1 s after the start: where a tail comes from (a cold start, or all along). */
  firstSecondMs: Percentiles;
  afterFirstSecondMs: Percentiles;
  achievedRate: number;
  /** Set when the run stopped early because the server fell behind the schedule. */
  overloaded?: string;
  /** Every completed request: when it was due (ms since `startedAtEpochMs`), its latency and its kind. */
  samples: { dueMs: number[]; latencyMs: number[]; kind: number[] };
  startedAtEpochMs: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const interval = 1000 / options.ratePerSecond;
  const latencies: number[] = [];
  const early: number[] = [];
  const late: number[] = [];
  const statuses: Record<string, number> = {};
  const samples = { dueMs: [] as number[], latencyMs: [] as number[], kind: [] as number[] };
  let errors = 0;
  let completed = 0;
  let sent = 0;

  const fire = (i: number, dueAt: number, measured = true): Promise<void> =>
    new Promise((resolve) => {
      const body = options.body?.(i);
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: options.methodOf?.(i) ?? options.method,
          path: options.path(i),
          headers: {
            ...(typeof options.headers === "function" ? options.headers(i) : options.headers),
            ...(body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (!measured) return resolve();
            const latency = performance.now() - dueAt;
            latencies.push(latency);
            (dueAt - started < 1000 ? early : late).push(latency);
            samples.dueMs.push(dueAt - started);
            samples.latencyMs.push(latency);
            samples.kind.push(options.kindOf?.(i) ?? 0);
            statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
            completed += 1;
            resolve();
          });
        },
      );
      req.on("error", () => {
        if (measured) errors += 1;
        resolve();
      });
      if (body !== undefined) req.write(body);
      req.end();
    });

  await Promise.all(Array.from({ length: options.openConnections ?? 0 }, (_, k) => fire(total + k, performance.now(), false)));
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  const startedAtEpochMs = Date.now();
  const maxOutstanding = options.maxOutstanding ?? Math.max(500, options.ratePerSecond * 2);
  let overloaded: string | undefined;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        inflight.push(fire(sent, started + sent * interval));
        sent += 1;
      }
      if (sent - completed - errors > maxOutstanding) {
        overloaded = `stopped after ${((now - started) / 1000).toFixed(1)} s: ${sent - completed - errors} requests outstanding, the server fell behind ${options.ratePerSecond}/s`;
        resolve();
      } else if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(1, started + sent * interval - performance.now())));
    };
    tick();
  });
  await Promise.all(inflight);
  const elapsed = performance.now() - started;
  agent.destroy();
  return {
    sent, completed, errors, statuses, latencyMs: percentiles(latencies), firstSecondMs: percentiles(early), afterFirstSecondMs: percentiles(late), achievedRate: (completed / elapsed) * 1000, ...(overloaded ? { overloaded } : {}),
    samples, startedAtEpochMs,
  };
}
