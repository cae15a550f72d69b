/**
 * A load-generator process: holds a share of the simulated agents and drives them on command
 * from the bench over IPC. Several of these run side by side so client-side work and file
 * descriptors are spread over processes and loopback source addresses.
 */
import WebSocket from "ws";
import { benchKeyFromSeed } from "./device-keys.ts";
import { BENCH_AGENT_VERSION, BenchAgent } from "./bench-agent.ts";
import { templateFor } from "./snapshot-sizes.ts";
import type { WorkerCommand, WorkerReply, IngestReport } from "./worker-protocol.ts";

let agents: BenchAgent[] = [];
let plain: WebSocket[] = [];
let localAddresses: string[] = [];

function reply(message: WorkerReply): void {
  process.send?.(message);
}

async function connectAll(concurrency: number): Promise<void> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  async function lane(): Promise<void> {
    while (next < agents.length) {
      const agent = agents[next++]!;
      try {
        await agent.connect();
      } catch (err) {
        failed += 1;
        firstError ??= String(err instanceof Error ? err.message : err);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, agents.length) }, lane));
  reply({ type: "connected", connected: agents.filter((a) => a.welcome !== null && a.open).length, failed, firstError, ms: performance.now() - started });
}

/** Bare WebSocket connections (no protocol) to the baseline server, one per agent slot. */
async function connectPlain(url: string, concurrency: number): Promise<void> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  async function lane(): Promise<void> {
    while (next < agents.length) {
      const i = next++;
      const localAddress = localAddresses.length > 0 ? localAddresses[i % localAddresses.length] : undefined;
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
        ws.once("open", () => {
          plain.push(ws);
          resolve();
        });
        ws.once("error", (err) => {
          failed += 1;
          firstError ??= err.message;
          resolve();
        });
      });
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, agents.length) }, lane));
  reply({ type: "connected", connected: plain.filter((w) => w.readyState === WebSocket.OPEN).length, failed, firstError, ms: performance.now() - started });
}

function presign(perAgent: number, compact: boolean): void {
  const started = performance.now();
  for (const agent of agents) if (agent.open) agent.presign(perAgent, compact);
  reply({ type: "presigned", frames: agents.reduce((n, a) => n + a.presigned, 0), ms: performance.now() - started });
}

function ingest(startAt: number, warmupMs: number, durationMs: number, window: number): void {
  const measureFrom = startAt + warmupMs;
  const endAt = startAt + durationMs;
  const latencies: number[] = [];
  let acked = 0;
  let refused = 0;
  let ackedInWindow = 0;
  let sent = 0;
  let exhausted = 0;
  let lastAckAt = 0;
  let running = true;
  const live = agents.filter((a) => a.open);
  const total = live.reduce((n, a) => n + a.presigned, 0);
  let finish: () => void = () => {};
  for (const agent of live) {
    const sentAt: number[] = [];
    const send = (): void => {
      if (!running) return;
      if (agent.sendNext()) {
        sent += 1;
        sentAt.push(performance.now());
      } else exhausted += 1;
    };
    agent.onAck = () => {
      const now = Date.now();
      const t0 = sentAt.shift();
      acked += 1;
      lastAckAt = now;
      if (now >= measureFrom && now <= endAt) {
        ackedInWindow += 1;
        if (t0 !== undefined) latencies.push(performance.now() - t0);
      }
      send();
      // Everything pre-signed is answered: no reason to wait out the clock.
      if (acked + refused === total) finish();
    };
    agent.onRefused = () => {
      sentAt.shift();
      refused += 1;
      send();
      if (acked + refused === total) finish();
    };
    setTimeout(() => {
      for (let i = 0; i < window; i++) send();
    }, Math.max(0, startAt - Date.now()));
  }
  let done = false;
  finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    running = false;
    const errors: Record<string, number> = {};
    for (const a of live) for (const e of a.errors) errors[e.code] = (errors[e.code] ?? 0) + 1;
    const report: IngestReport = {
      type: "ingested",
      sent,
      acked,
      ackedInWindow,
      exhausted,
      errors,
      latencies,
      closed: live.filter((a) => !a.open).length,
      lastAckAt,
    };
    // Let in-flight acks drain so the next phase starts from a quiet connector.
    setTimeout(() => reply(report), 300);
  };
  const timer = setTimeout(() => finish(), endAt - Date.now());
}

process.on("message", (raw) => {
  const command = raw as WorkerCommand;
  switch (command.type) {
    case "init": {
      localAddresses = command.localAddresses;
      agents = command.devices.map((d, i) => {
        const key = benchKeyFromSeed(Buffer.from(d.seed, "base64"), Buffer.from(d.publicKey, "base64"));
        const template = templateFor(command.size, d.deviceId, d.index, BENCH_AGENT_VERSION);
        const localAddress = command.localAddresses.length > 0 ? command.localAddresses[i % command.localAddresses.length] : undefined;
        return new BenchAgent({ url: command.url, deviceId: d.deviceId, key: key.privateKey, template, localAddress });
      });
      reply({ type: "ready", agents: agents.length });
      break;
    }
    case "connect":
      void connectAll(command.concurrency);
      break;
    case "connectPlain":
      void connectPlain(command.url, command.concurrency);
      break;
    case "presign":
      presign(command.perAgent, command.compact);
      break;
    case "ingest":
      ingest(command.startAt, command.warmupMs, command.durationMs, command.window);
      break;
    case "drop":
      for (const a of agents) a.dropPresigned();
      reply({ type: "dropped" });
      break;
    case "status":
      reply({ type: "status", open: agents.filter((a) => a.open).length + plain.filter((w) => w.readyState === WebSocket.OPEN).length, rss: process.memoryUsage().rss });
      break;
    case "close":
      for (const a of agents) a.close();
      for (const w of plain) w.terminate();
      plain = [];
      reply({ type: "closed" });
      setTimeout(() => process.exit(0), 50);
      break;
  }
});

process.on("disconnect", () => process.exit(0));
