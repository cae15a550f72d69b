/**
 * The connector's Prometheus metrics, in a registry each connector owns (many connectors may
 * share a process: tests, benches). Counters are bumped where things happen (ingest, sign-in);
 * what other modules already count (agent sessions, cache hits) is read at scrape time.
 *
 *   const metrics = new ConnectorMetrics();
 *   metrics.snapshotRejected("bad_signature");
 *   metrics.watch({ connectedAgents: () => hub.size, caches: { snapshots: () => lookup.stats().snapshots } });
 *   const { contentType, body } = await metrics.exposition();
 *
 * The names, and what each one means, are listed in docs/operations.md § Metrics.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { processMetrics } from "./process.ts";
import type { StoreOperationMetrics } from "./store.ts";

/** How a sign-in check ended: a device judged passing or not, no device judged (refused), or an unmanaged device let through. */
export type SignInVerdict = "pass" | "fail" | "refused" | "unmanaged";

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
}

/** What is read at scrape time. */
export interface MetricSources {
  /** Authenticated agent sessions held by this process. */
  connectedAgents(): number;
  /** Each cache's counts since start, by a short stable name. */
  caches: Record<string, () => CacheStats>;
  /** The agent channel's ingest queue (agent-channel/read-gate.ts) and verify threads. */
  ingest?(): IngestStats;
}

export interface IngestStats {
  queued: number;
  pausedSockets: number;
  /** Agent sockets waiting for a later event-loop turn to be read (read-turns.ts). */
  socketsWaitingTurn: number;
  verifyThreads: number;
}

// Sign-ins wait on this answer: most are well under 10 ms, a refresh of fresh facts takes seconds.
const SIGNIN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class ConnectorMetrics {
  readonly registry = new Registry();
  readonly storeOperations: StoreOperationMetrics;
  private readonly ingested: Counter;
  private readonly rejected: Counter<"code">;
  private readonly signIns: Counter<"verdict">;
  private readonly signInDuration: Histogram;
  private sources: MetricSources = { connectedAgents: () => 0, caches: {} };

  constructor() {
    const registers = [this.registry];
    this.ingested = new Counter({ name: "facet_snapshots_ingested_total", help: "Snapshots accepted and stored", registers });
    this.rejected = new Counter({ name: "facet_snapshots_rejected_total", help: "Snapshots refused, by protocol error code", labelNames: ["code"], registers });
    this.signIns = new Counter({ name: "facet_signin_checks_total", help: "Sign-in checks (POST /v1/endpoint/check) decided, by verdict", labelNames: ["verdict"], registers });
    this.signInDuration = new Histogram({ name: "facet_signin_check_duration_seconds", help: "Time to answer a sign-in check", buckets: SIGNIN_BUCKETS, registers });
    this.storeOperations = {
      duration: new Histogram({ name: "facet_store_operation_duration_seconds", help: "Store calls, by operation (Store method)", labelNames: ["operation"], buckets: STORE_BUCKETS, registers }),
      errors: new Counter({ name: "facet_store_operation_errors_total", help: "Store calls that failed, by operation", labelNames: ["operation"], registers }),
    };
    const self = this;
    new Gauge({
      name: "facet_agents_connected",
      help: "Agents with an authenticated session on this connector process",
      registers,
      collect() {
        this.set(self.sources.connectedAgents());
      },
    });
    const ingestGauge = (name: string, help: string, read: (s: IngestStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const stats = self.sources.ingest?.();
          if (stats) this.set(read(stats));
        },
      });
    ingestGauge("facet_ingest_queue_frames", "Agent frames received and not yet answered (checking or waiting for the store)", (s) => s.queued);
    ingestGauge("facet_agent_sockets_paused", "Agent sockets not read while the ingest queue is deep", (s) => s.pausedSockets);
    ingestGauge("facet_agent_sockets_waiting_turn", "Agent sockets waiting for a later event-loop turn, this one's read budget spent", (s) => s.socketsWaitingTurn);
    ingestGauge("facet_verify_threads", "Threads checking agent frames (0: checked on the main thread)", (s) => s.verifyThreads);
    // prom-client counters cannot be set; each scrape resets them to the caches' own running totals.
    new Counter({
      name: "facet_cache_requests_total",
      help: "Cache lookups, by cache and result (hit or miss)",
      labelNames: ["cache", "result"],
      registers,
      collect() {
        this.reset();
        for (const [cache, stats] of Object.entries(self.sources.caches)) {
          const { hits, misses } = stats();
          this.inc({ cache, result: "hit" }, hits);
          this.inc({ cache, result: "miss" }, misses);
        }
      },
    });
  }

  /** Names what is read at scrape time; called once the hub and caches exist. */
  watch(sources: MetricSources): void {
    this.sources = sources;
  }

  snapshotAccepted(): void {
    this.ingested.inc();
  }

  snapshotRejected(code: string): void {
    this.rejected.inc({ code });
  }

  signInDecided(verdict: SignInVerdict): void {
    this.signIns.inc({ verdict });
  }

  /** Starts timing one sign-in check; call the result when it is answered. */
  signInTimer(): () => void {
    return this.signInDuration.startTimer();
  }

  /** The text exposition format: this connector's metrics, then the process's. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, body: own + process };
  }
}
