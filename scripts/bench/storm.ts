/**
 * Reconnect storm: every agent of a fleet loses its connector at once (kill -9) and reconnects
 * with the agent's own backoff (agent/transport/backoff.ts: exponential, full jitter, cap 5 min).
 * Records, per agent, when it lost the connection, every delay it drew and when it was welcomed
 * again, so a caller can check each re-attach against the backoff bounds.
 */
import { backoffCeiling, backoffDelay, type BackoffOptions } from "../../agent/transport/backoff.ts";
import { benchFacts, benchUnknown } from "./facts-document.ts";
import { benchKeyFromSeed } from "./device-keys.ts";
import { BENCH_AGENT_VERSION, BenchAgent } from "./bench-agent.ts";
import { snapshotTemplate } from "./snapshot-frames.ts";
import type { WorkerDevice } from "./worker-protocol.ts";

export interface StormAgentRecord {
  deviceId: string;
  lostAt: number | null;
  /** Delays drawn since the loss, in order. */
  delays: number[];
  reattachedAt: number | null;
  /** Σ backoffCeiling(attempt) over the attempts made: the latest the schedule allows. */
  ceilingMs: number;
}

export interface StormFleet {
  records: StormAgentRecord[];
  /** Agents currently welcomed. */
  connected(): number;
  /** Marks the moment the connector goes away: every loss after this is the storm's. */
  armStorm(): void;
  stop(): void;
}

export interface StormOptions {
  agentUrl: string;
  devices: WorkerDevice[];
  backoff?: BackoffOptions;
  /** Connection attempts in flight at once while building the fleet. */
  connectConcurrency?: number;
}

export async function startStormFleet(options: StormOptions): Promise<StormFleet> {
  let stopped = false;
  let armed = false;
  let welcomed = 0;
  const records: StormAgentRecord[] = [];
  const agents = options.devices.map((d) => {
    const key = benchKeyFromSeed(Buffer.from(d.seed, "base64"), Buffer.from(d.publicKey, "base64"));
    return new BenchAgent({
      url: options.agentUrl,
      deviceId: d.deviceId,
      key: key.privateKey,
      template: snapshotTemplate(d.deviceId, BENCH_AGENT_VERSION, benchFacts(d.index), benchUnknown()),
      timeoutMs: 20_000,
    });
  });

  async function keepConnected(agent: BenchAgent, record: StormAgentRecord, firstConnect: () => void): Promise<void> {
    let attempt = 0;
    let first = true;
    while (!stopped) {
      try {
        await agent.connect();
        welcomed += 1;
        if (first) (first = false), firstConnect();
        if (armed && record.lostAt !== null && record.reattachedAt === null) record.reattachedAt = Date.now();
        attempt = 0;
        await agent.closed();
        welcomed -= 1;
        if (armed && record.lostAt === null) record.lostAt = Date.now();
      } catch {
        if (first) {
          first = false;
          firstConnect();
        }
      }
      if (stopped) return;
      const delay = backoffDelay(attempt, options.backoff);
      if (armed && record.reattachedAt === null) {
        record.delays.push(delay);
        record.ceilingMs += backoffCeiling(attempt, options.backoff);
      }
      attempt += 1;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  // Build the fleet a few connections at a time, then let each agent run its own loop.
  const concurrency = options.connectConcurrency ?? 64;
  let inFlight = 0;
  for (const agent of agents) {
    const record: StormAgentRecord = { deviceId: agent.deviceId, lostAt: null, delays: [], reattachedAt: null, ceilingMs: 0 };
    records.push(record);
    while (inFlight >= concurrency) await new Promise((r) => setTimeout(r, 2));
    inFlight += 1;
    void keepConnected(agent, record, () => (inFlight -= 1));
  }
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));

  return {
    records,
    connected: () => welcomed,
    armStorm: () => void (armed = true),
    stop() {
      stopped = true;
      for (const a of agents) a.close();
    },
  };
}
