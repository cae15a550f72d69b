/**
 * The open-loop HTTP load generator in a process of its own, so the bench's main process (its
 * IPC, the /proc sampling, the burst's orchestration) never delays a request that is due, and the
 * generator's CPU is a process apart from the connector's. Holds the device ids; runs one open
 * loop per `run` command and answers with open-loop.ts's result, samples included.
 *
 *   IPC: {type:"devices", ids} → {type:"ok"};  {type:"run", spec: LoadSpec} → {type:"ran", result}
 *        {type:"warm", spec: WarmSpec} → {type:"warmed", result: WarmResult}
 */
import { Agent, request } from "node:http";
import { runOpenLoop } from "./open-loop.ts";
import { percentiles, type Percentiles } from "./stats.ts";

/** What to send: `get` device lookups, `check` endpoint checks, or `mixed` (alternating; kind 0 = get, 1 = check). */
export interface LoadSpec {
  url: string;
  kind: "get" | "check" | "mixed";
  /** `spread` picks devices scattered over the fleet; `sequential` walks it in order. */
  order: "spread" | "sequential";
  /** For device reads (`devices:read`). */
  token: string;
  /** For endpoint checks: `endpoint:check` alone, as docs/integrations/authentik.md sets up the auth server. */
  checkToken: string;
  policies: string[];
  rate: number;
  durationMs: number;
  /** The device reads' Accept-Encoding (their answers are read, not decoded). */
  acceptEncoding?: string;
}

/**
 * The warm-up pass: every device once in order, closed loop (`concurrency` requests in flight), at
 * the server's own pace; it stops after `maxMs` (a fleet larger than the connector's caches is
 * never all warm anyway).
 */
export interface WarmSpec {
  url: string;
  kind: "get" | "check";
  /** The token for this kind: LoadSpec's `token` for `get`, its `checkToken` for `check`. */
  token: string;
  policies: string[];
  concurrency: number;
  maxMs: number;
  acceptEncoding?: string;
}

export interface WarmResult {
  requests: number;
  devices: number;
  errors: number;
  non2xx: number;
  seconds: number;
  latencyMs: Percentiles;
}

let ids: string[] = [];

async function warm(spec: WarmSpec): Promise<WarmResult> {
  const target = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let next = 0;
  const started = performance.now();
  const one = (id: string): Promise<void> =>
    new Promise((resolve) => {
      const body = spec.kind === "check" ? JSON.stringify({ device: id, policies: spec.policies, mode: "lookup" }) : undefined;
      const t0 = performance.now();
      const req = request(
        {
          agent, host: target.hostname, port: target.port, method: body ? "POST" : "GET", path: body ? "/v1/endpoint/check" : `/v1/devices/${id}`,
          headers: body ? { authorization: `Bearer ${spec.token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } : deviceReadHeaders(spec),
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(performance.now() - t0);
            if ((res.statusCode ?? 0) >= 300) non2xx += 1;
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });
  const deadline = started + spec.maxMs;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (next < ids.length && performance.now() < deadline) await one(ids[next++]!);
    }),
  );
  agent.destroy();
  return { requests: next, devices: ids.length, errors, non2xx, seconds: (performance.now() - started) / 1000, latencyMs: percentiles(latencies) };
}

function run(spec: LoadSpec) {
  const n = ids.length;
  const device = (i: number): string => ids[spec.order === "sequential" ? i % n : (i * 2654435761) % n]!;
  // Mixed runs alternate, so a request's device index is i / 2 and each kind sees its own spread.
  const isCheck = (i: number): boolean => spec.kind === "check" || (spec.kind === "mixed" && i % 2 === 1);
  const index = (i: number): number => (spec.kind === "mixed" ? i >> 1 : i);
  return runOpenLoop({
    url: spec.url,
    method: spec.kind === "check" ? "POST" : "GET",
    methodOf: (i) => (isCheck(i) ? "POST" : "GET"),
    kindOf: (i) => (isCheck(i) ? 1 : 0),
    path: (i) => (isCheck(i) ? "/v1/endpoint/check" : `/v1/devices/${device(index(i))}`),
    body: (i) => (isCheck(i) ? JSON.stringify({ device: device(index(i)), policies: spec.policies, mode: "lookup" }) : undefined),
    headers: (i) => (isCheck(i) ? { authorization: `Bearer ${spec.checkToken}` } : deviceReadHeaders(spec)),
    ratePerSecond: spec.rate,
    durationMs: spec.durationMs,
    // authentik calls through a requests Session, whose pool keeps connections open (10 per host by
    // default, per worker process); 32 stands for a few workers.
    openConnections: 32,
  });
}

process.on("message", (raw) => {
  const message = raw as { type: "devices"; ids: string[] } | { type: "run"; spec: LoadSpec } | { type: "warm"; spec: WarmSpec };
  if (message.type === "devices") {
    ids = message.ids;
    process.send?.({ type: "ok" });
  } else if (message.type === "run") {
    void run(message.spec).then((result) => process.send?.({ type: "ran", result }));
  } else if (message.type === "warm") {
    void warm(message.spec).then((result) => process.send?.({ type: "warmed", result }));
  }
});
process.on("disconnect", () => process.exit(0));
process.send?.({ type: "ready" });

/** A device read's headers: its token, and the Accept-Encoding the run asks for. */
function deviceReadHeaders(spec: { token: string; acceptEncoding?: string | undefined }): Record<string, string> {
  return { authorization: `Bearer ${spec.token}`, ...(spec.acceptEncoding ? { "accept-encoding": spec.acceptEncoding } : {}) };
}
