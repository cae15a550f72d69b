/** The bench's printed table: each figure beside its baseline and goal, with a plain verdict. */
import type { Percentiles } from "./stats.ts";
import type { ProfileEntry } from "./profile-summary.ts";
import type { StartupResult } from "./startup.ts";

export interface BenchReport {
  machine: { cpus: number; cpuModel: string; node: string; fdLimit: number | null };
  config: Record<string, unknown>;
  results: {
    ceiling?: { verifiesPerSecond: number; bodyBytes: number; frameBytes: number };
    enroll?: { devices: number; seconds: number; perSecond: number };
    idle?: {
      asked: number; attempted: number; connected: number; heldByConnector: number; failed: number; firstError: string | null;
      connectSeconds: number; connectorRssBeforeMb: number; connectorRssAfterMb: number; perAgentKb: number; perAgentHeapKb: number;
      bare: { connected: number; rssBeforeMb: number; rssAfterMb: number; perConnectionKb: number }; ratioToBare: number;
      loadProcesses: number; sourceAddresses: number;
    };
    refresh?: { connected: number; requests: number; concurrency: number; statuses: Record<string, number>; latencyMs: Percentiles };
    ingest?: {
      agents: number; window: number; presignSeconds: number; seconds: number; acked: number; perSecond: number; ceilingPerSecond: number;
      ratioToCeiling: number; ackLatencyMs: Percentiles; errors: Record<string, number>;
      batches: { transactions: number; snapshotsPerTransaction: number; msPerTransaction: number }; profile?: ProfileEntry[] | undefined;
    };
    lookup?: {
      devices: number; responseBytes: number;
      get: OpenLoopSummary; endpointCheck: OpenLoopSummary | { skipped: string };
      max: { connector: CannonSummary; bare: CannonSummary; ratio: number };
      profile?: ProfileEntry[] | undefined;
    };
    storm?: {
      agents: number; reattached: number; withinBackoffBounds: number; gaveUp: number; sinceRestartMs: Percentiles; attempts: Percentiles;
      rssBeforeMb: number; rssPeakMb: number; rssAfterMb: number;
    };
    startup?: StartupResult;
    counts?: Record<string, number>;
  };
  notes: string[];
  wallSeconds?: number;
}

export interface OpenLoopSummary {
  rate: number;
  achieved: number;
  latencyMs: Percentiles;
  firstSecondMs: Percentiles;
  afterFirstSecondMs: Percentiles;
  statuses: Record<string, number>;
  errors: number;
  overloaded?: string;
}

/** "p99 …" and where the tail sits: the first second (cold start) or the rest of the run. */
const tail = (r: OpenLoopSummary) => `p99 ${n2(r.latencyMs.p99)} ms (first 1 s ${n2(r.firstSecondMs.p99)}, after ${n2(r.afterFirstSecondMs.p99)})`;
interface CannonSummary { requestsPerSecond: number; p50: number; p99: number; non2xx: number; errors: number }

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");
const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "—");
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

export function renderReport(r: BenchReport): string {
  const rows: [string, string, string, string][] = [];
  const { ceiling, idle, refresh, ingest, lookup, enroll, storm, startup } = r.results;
  if (ceiling) rows.push(["ceiling: bare Ed25519 verify, 1 core", `${n0(ceiling.verifiesPerSecond)}/s`, `body ${ceiling.bodyBytes} B, frame ${ceiling.frameBytes} B`, ""]);
  if (enroll) rows.push(["enroll via POST /v1/enroll", `${n0(enroll.perSecond)}/s`, `${n0(enroll.devices)} devices in ${n1(enroll.seconds)} s`, ""]);
  if (ingest) {
    rows.push(["ingest: snapshots verified+stored+acked", `${n0(ingest.perSecond)}/s`, `${n2(ingest.ratioToCeiling)} of ceiling; ${ingest.agents} agents × window ${ingest.window}`, `≥ 5,000/s ${verdict(ingest.perSecond >= 5000)}; ≥ 0.55 ${verdict(ingest.ratioToCeiling >= 0.55)}`]);
    rows.push(["ingest: send→ack latency", `p50 ${n1(ingest.ackLatencyMs.p50)} ms`, `p99 ${n1(ingest.ackLatencyMs.p99)} ms; errors ${JSON.stringify(ingest.errors)}`, ""]);
    rows.push(["ingest: store transactions", `${n1(ingest.batches.snapshotsPerTransaction)} snapshots each`, `${n2(ingest.batches.msPerTransaction)} ms each; ${n0(ingest.batches.transactions)} transactions (warm-up included)`, ""]);
  }
  if (idle) {
    rows.push(["idle: authenticated agents held", n0(idle.heldByConnector), `of ${n0(idle.asked)} asked; fd limit ${r.machine.fdLimit ?? "?"}; connect ${n1(idle.connectSeconds)} s`, `${verdict(idle.heldByConnector >= idle.attempted)} (all attempted)`]);
    rows.push(["idle: connector RSS per agent", `${n1(idle.perAgentKb)} KB`, `bare ws ${n1(idle.bare.perConnectionKb)} KB/conn → ${n2(idle.ratioToBare)}×; JS heap ${n1(idle.perAgentHeapKb)} KB/agent`, `≤ 1.5× ${verdict(idle.ratioToBare <= 1.5)}`]);
  }
  if (lookup) {
    rows.push([`lookup: GET /v1/devices/{id} @ ${n0(lookup.get.rate)}/s`, `p50 ${n2(lookup.get.latencyMs.p50)} ms`, `${tail(lookup.get)}; served ${n0(lookup.get.achieved)}/s${lookup.get.overloaded ? " (fell behind)" : ""}; ${n0(lookup.devices)} devices; ${JSON.stringify(lookup.get.statuses)}`, `p99 < 5 ms ${verdict(lookup.get.latencyMs.p99 < 5)}`]);
    if ("skipped" in lookup.endpointCheck) rows.push(["lookup: POST /v1/endpoint/check", "skipped", lookup.endpointCheck.skipped, ""]);
    else rows.push([`lookup: POST /v1/endpoint/check @ ${n0(lookup.endpointCheck.rate)}/s`, `p50 ${n2(lookup.endpointCheck.latencyMs.p50)} ms`, `${tail(lookup.endpointCheck)}; served ${n0(lookup.endpointCheck.achieved)}/s${lookup.endpointCheck.overloaded ? " (fell behind)" : ""}; ${JSON.stringify(lookup.endpointCheck.statuses)}`, `p99 < 5 ms ${verdict(lookup.endpointCheck.latencyMs.p99 < 5)}`]);
    rows.push(["lookup: max GET /v1/devices/{id}", `${n0(lookup.max.connector.requestsPerSecond)}/s`, `bare hono ${n0(lookup.max.bare.requestsPerSecond)}/s → ${n2(lookup.max.ratio)}×; ${lookup.responseBytes} B body`, `≥ 0.4× ${verdict(lookup.max.ratio >= 0.4)}`]);
  }
  if (refresh) rows.push([`refresh-and-wait, ${n0(refresh.connected)} agents connected`, `p50 ${n1(refresh.latencyMs.p50)} ms`, `p99 ${n1(refresh.latencyMs.p99)} ms; ${refresh.requests} requests; ${JSON.stringify(refresh.statuses)}`, ""]);

  if (storm) {
    rows.push([`storm: ${n0(storm.agents)} agents after kill -9`, `${n0(storm.reattached)} re-attached`, `${n0(storm.withinBackoffBounds)} within backoff bounds; ${storm.gaveUp} gave up; p50 ${n1(storm.sinceRestartMs.p50 / 1000)} s, max ${n1(storm.sinceRestartMs.max / 1000)} s after restart`, `all back ${verdict(storm.reattached === storm.agents && storm.gaveUp === 0)}`]);
    rows.push(["storm: connector RSS", `peak ${n1(storm.rssPeakMb)} MB`, `before ${n1(storm.rssBeforeMb)} MB, after ${n1(storm.rssAfterMb)} MB`, `bounded ${verdict(storm.rssPeakMb < storm.rssBeforeMb * 1.5 + 64)}`]);
  }
  if (startup) {
    for (const c of startup.cases) {
      rows.push([`start-up: ${c.name}`, `p50 ${n0(c.medianMs)} ms`, `p90 ${n0(c.p90Ms)} ms; ${n2(c.ratioToBaseline)}× node -e 0; ${startup.runs} runs`, ""]);
    }
    rows.push(["start-up: machine load (1 min)", n2(startup.loadBefore), `before the rounds; ${n2(startup.loadAfter)} after`, ""]);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length), ["figure", "value", "detail", "goal"][i]!.length));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  const out = [
    `Facet connector bench — ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, fd limit ${r.machine.fdLimit ?? "?"}, database ${String(r.config.database)}, replicas ${String(r.config.replicas)}`,
    "",
    line(["figure", "value", "detail", "goal"]),
    "| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |",
    ...rows.map(line),
    "",
  ];
  if (ingest?.profile) {
    out.push("Connector CPU during ingest (self time, top functions):");
    for (const e of ingest.profile) out.push(`  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.fn}  ${e.where}`);
    out.push("");
  }
  if (lookup?.profile) {
    out.push("Connector CPU during max-throughput GET /v1/devices/{id} (self time, top functions):");
    for (const e of lookup.profile) out.push(`  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.fn}  ${e.where}`);
    out.push("");
  }
  for (const note of r.notes) out.push(`note: ${note}`);
  if (r.wallSeconds !== undefined) out.push(`wall time ${n1(r.wallSeconds)} s`);
  return out.join("\n") + "\n";
}
