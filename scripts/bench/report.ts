/** The bench's printed table: each figure beside its baseline and goal, with a plain verdict. */
import type { Percentiles } from "./stats.ts";
import type { ProfileEntry } from "./profile-summary.ts";
import type { StartupResult } from "./startup.ts";
import type { IngestVariant, SnapshotSize } from "./snapshot-sizes.ts";
import type { WarmResult } from "./loadgen-process.ts";
import type { MachineCpuShare } from "./machine-cpu.ts";

export interface BenchReport {
  machine: { cpus: number; cpuModel: string; node: string; fdLimit: number | null; loadAverage: number };
  config: Record<string, unknown>;
  results: {
    ceilings?: Partial<Record<SnapshotSize, { verifiesPerSecond: number; bodyBytes: number; frameBytes: number; compact?: { bodyBytes: number; frameBytes: number } }>>;
    seed?: { devices: number; seconds: number };
    seedSnapshots?: { devices: number; accepted: number; seconds: number; size: SnapshotSize };
    enroll?: { devices: number; seconds: number; perSecond: number };
    idle?: {
      asked: number; attempted: number; connected: number; heldByConnector: number; failed: number; firstError: string | null;
      connectSeconds: number; connectorRssBeforeMb: number; connectorRssAfterMb: number; perAgentKb: number; perAgentHeapKb: number;
      bare: { connected: number; rssBeforeMb: number; rssAfterMb: number; perConnectionKb: number }; ratioToBare: number;
      loadProcesses: number; sourceAddresses: number;
    };
    refresh?: { connected: number; requests: number; concurrency: number; statuses: Record<string, number>; latencyMs: Percentiles };
    ingest?: {
      size: IngestVariant; bodyBytes: number; wire: { bodyBytes: number; frameBytes: number }; agents: number; window: number; presigned: number; presignSeconds: number; seconds: number; acked: number;
      perSecond: number; ceilingPerSecond: number; ratioToCeiling: number; ackLatencyMs: Percentiles; errors: Record<string, number>;
      cpu: CpuPerUnit; verifyUs: number; mainToVerify: number; allToVerify: number;
      batches: { transactions: number; snapshotsPerTransaction: number; msPerTransaction: number }; profile?: ProfileEntry[] | undefined;
    }[];
    lookup?: {
      devices: number; size: SnapshotSize; responseBytes: number; responseEncoding: string;
      warm?: Partial<Record<"get" | "check", WarmResult>> | undefined;
      get: LookupRuns; endpointCheck: LookupRuns | { skipped: string };
      bursts: BurstResult[];
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

/** CPU time of a process's threads over a run, grouped: "main", workers by script, the rest by name. */
export interface ThreadCpu {
  wallMs: number;
  groups: { name: string; threads: number; cpuMs: number; minorFaults: number }[];
}

/** CPU µs per request or snapshot served in a run. */
export interface CpuPerUnit {
  units: number;
  wallMs: number;
  mainUs: number;
  allUs: number;
  /** Minor page faults per unit: the main thread's, and each other group's. */
  mainFaults: number;
  others: { name: string; threads: number; us: number; faults: number }[];
  /** Main-thread CPU ÷ wall time: how close the event loop was to saturated. */
  mainBusy: number;
}

/** One lookup kind at the open-loop rate: the connector (and its CPU per request) and the bare servers, same run. */
export interface LookupRuns {
  connector: OpenLoopSummary;
  cpu: CpuPerUnit;
  bareHttp: OpenLoopSummary;
  bareHono: OpenLoopSummary;
  /** The bare servers' main-thread CPU µs per request in their runs. */
  bareHttpMainUs: number;
  bareHonoMainUs: number;
  p99ToHono: number;
  /** Connector main-thread CPU per request ÷ bare hono's. */
  mainCpuToHono: number;
}

export interface BurstResult {
  /** `real`: whole documents; `steady`: family digests, rebuilt from the stored snapshots. */
  form: "real" | "steady";
  agents: number; connected: number; acked: number; seconds: number; perSecond: number; ackLatencyMs: Percentiles;
  rate: number; achieved: number; overloaded?: string | undefined;
  machine: MachineCpuShare | null;
  lookups: Partial<Record<"get" | "check", { before: Percentiles; during: Percentiles; after: Percentiles }>>;
  profile?: ProfileEntry[] | undefined;
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
  /** The machine's CPU over the run: a run during heavy steal is the host's figure, not the server's. */
  machine: MachineCpuShare | null;
}

/** "p99 …", where the tail sits (the first second, a cold start, or the rest of the run), and the machine meanwhile. */
const tail = (r: OpenLoopSummary) => `p99 ${n2(r.latencyMs.p99)} ms (first 1 s ${n2(r.firstSecondMs.p99)}, after ${n2(r.afterFirstSecondMs.p99)}${machineDetail(r.machine)})`;
const machineDetail = (m: MachineCpuShare | null) => (m ? `; machine ${n0(m.busy * 100)} % busy, ${n0(m.steal * 100)} % stolen` : "");
interface CannonSummary { requestsPerSecond: number; p50: number; p99: number; non2xx: number; errors: number }

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");
const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "—");
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

const cpuDetail = (c: CpuPerUnit) =>
  `main ${n0(c.mainUs)} µs, ${n1(c.mainFaults)} faults (${n0(c.mainBusy * 100)} % busy)` +
  c.others.filter((o) => o.us >= 1).map((o) => `, ${o.name} ×${o.threads} ${n0(o.us)} µs, ${n1(o.faults)} faults`).join("") +
  `; all threads ${n0(c.allUs)} µs (faults: minor page faults per unit)`;

export function renderReport(r: BenchReport): string {
  const rows: [string, string, string, string][] = [];
  const { ceilings, idle, refresh, ingest, lookup, enroll, storm, startup, seed, seedSnapshots } = r.results;
  for (const [size, ceiling] of Object.entries(ceilings ?? {})) {
    rows.push([`ceiling: bare Ed25519 verify, 1 core, ${size}`, `${n0(ceiling.verifiesPerSecond)}/s`, `${n0(1e6 / ceiling.verifiesPerSecond)} µs each; body ${n0(ceiling.bodyBytes)} B, frame ${n0(ceiling.frameBytes)} B`, ""]);
    if (ceiling.compact) {
      rows.push([`${size} snapshot in steady state (family digests)`, `${n0(ceiling.compact.bodyBytes)} B body`, `frame ${n0(ceiling.compact.frameBytes)} B; the full body (${n0(ceiling.bodyBytes)} B) is rebuilt and verified`, `< 16 KB ${verdict(ceiling.compact.bodyBytes < 16_000)}`]);
    }
  }
  if (seed) rows.push(["seed: devices written to the SQLite file", `${n0(seed.devices / seed.seconds)}/s`, `${n0(seed.devices)} devices in ${n1(seed.seconds)} s (one transaction)`, ""]);
  if (seedSnapshots) rows.push([`seed: stored ${seedSnapshots.size} snapshots`, `${n0(seedSnapshots.accepted / seedSnapshots.seconds)}/s`, `${n0(seedSnapshots.accepted)} of ${n0(seedSnapshots.devices)} in ${n1(seedSnapshots.seconds)} s, signed and written through the store`, ""]);
  if (enroll) rows.push(["enroll via POST /v1/enroll", `${n0(enroll.perSecond)}/s`, `${n0(enroll.devices)} devices in ${n1(enroll.seconds)} s`, ""]);
  for (const i of ingest ?? []) {
    const goal = i.size === "small" ? `CPU ≤ 1.8× verify ${verdict(i.allToVerify <= 1.8)}` : `≥ 1,500/s ${verdict(i.perSecond >= 1500)}`;
    const sent = i.wire.bodyBytes === i.bodyBytes ? `${n0(i.bodyBytes)} B` : `${n0(i.wire.bodyBytes)} B sent, ${n0(i.bodyBytes)} B verified`;
    rows.push([`ingest ${i.size} (${sent}): verified+stored+acked`, `${n0(i.perSecond)}/s`, `${n2(i.ratioToCeiling)} of ceiling; ${i.agents} agents × window ${i.window}`, goal]);
    rows.push([`ingest ${i.size}: connector CPU per snapshot`, `${n0(i.cpu.allUs)} µs`, `${cpuDetail(i.cpu)}; ÷ verify ${n0(i.verifyUs)} µs → main ${n2(i.mainToVerify)}×, all ${n2(i.allToVerify)}×`, ""]);
    rows.push([`ingest ${i.size}: send→ack latency`, `p50 ${n1(i.ackLatencyMs.p50)} ms`, `p99 ${n1(i.ackLatencyMs.p99)} ms; errors ${JSON.stringify(i.errors)}`, ""]);
    rows.push([`ingest ${i.size}: store transactions`, `${n1(i.batches.snapshotsPerTransaction)} snapshots each`, `${n2(i.batches.msPerTransaction)} ms each; ${n0(i.batches.transactions)} transactions (warm-up included)`, ""]);
  }
  if (idle) {
    rows.push(["idle: authenticated agents held", n0(idle.heldByConnector), `of ${n0(idle.asked)} asked; fd limit ${r.machine.fdLimit ?? "?"}; connect ${n1(idle.connectSeconds)} s`, `${verdict(idle.heldByConnector >= idle.attempted)} (all attempted)`]);
    rows.push(["idle: connector RSS per agent", `${n1(idle.perAgentKb)} KB`, `bare ws ${n1(idle.bare.perConnectionKb)} KB/conn → ${n2(idle.ratioToBare)}×; JS heap ${n1(idle.perAgentHeapKb)} KB/agent`, `≤ 1.5× ${verdict(idle.ratioToBare <= 1.5)}`]);
  }
  if (lookup) {
    const bare = (l: LookupRuns) => `bare http p50 ${n2(l.bareHttp.latencyMs.p50)} / p99 ${n2(l.bareHttp.latencyMs.p99)} ms, bare hono p50 ${n2(l.bareHono.latencyMs.p50)} / p99 ${n2(l.bareHono.latencyMs.p99)} ms${machineDetail(l.bareHono.machine)} in its run`;
    const lookupRows = (name: string, l: LookupRuns) => {
      rows.push([`lookup: ${name} @ ${n0(l.connector.rate)}/s`, `p50 ${n2(l.connector.latencyMs.p50)} ms`, `${tail(l.connector)}; served ${n0(l.connector.achieved)}/s${l.connector.overloaded ? " (fell behind)" : ""}; ${n0(lookup.devices)} ${lookup.size} devices; ${JSON.stringify(l.connector.statuses)}`, `p99 ≤ 3× hono ${verdict(l.p99ToHono <= 3)} (${n2(l.p99ToHono)}×)`]);
      rows.push([`lookup: ${name}, same-run baselines`, `hono p99 ${n2(l.bareHono.latencyMs.p99)} ms`, bare(l), ""]);
      rows.push([
        `lookup: ${name}, connector CPU per request`,
        `main ${n0(l.cpu.mainUs)} µs`,
        `${cpuDetail(l.cpu)}; bare hono main ${n0(l.bareHonoMainUs)} µs → ${n2(l.mainCpuToHono)}×, bare http ${n0(l.bareHttpMainUs)} µs`,
        name.startsWith("POST") ? `main ≤ 150 µs ${verdict(l.cpu.mainUs <= 150)}` : "",
      ]);
    };
    for (const [kind, w] of Object.entries(lookup.warm ?? {})) {
      rows.push([`lookup: warm-up pass, ${kind}`, `${n0(w.requests / w.seconds)}/s`, `${n0(w.requests)} of ${n0(w.devices)} devices once in ${n1(w.seconds)} s, closed loop; p50 ${n2(w.latencyMs.p50)} ms, p99 ${n2(w.latencyMs.p99)} ms; ${w.non2xx} non-2xx, ${w.errors} errors`, ""]);
    }
    lookupRows("GET /v1/devices/{id}", lookup.get);
    if ("skipped" in lookup.endpointCheck) rows.push(["lookup: POST /v1/endpoint/check", "skipped", lookup.endpointCheck.skipped, ""]);
    else lookupRows("POST /v1/endpoint/check", lookup.endpointCheck);
    for (const b of lookup.bursts) {
      const name = b.form === "steady" ? "steady-state" : lookup.size;
      rows.push([`burst: ${n0(b.agents)} agents snapshot at once (${name})`, `${n0(b.perSecond)}/s`, `${n0(b.acked)} acked in ${n1(b.seconds)} s; ack p50 ${n0(b.ackLatencyMs.p50)} ms, p99 ${n0(b.ackLatencyMs.p99)} ms${machineDetail(b.machine)} over the lookup run`, ""]);
      for (const [kind, w] of Object.entries(b.lookups)) {
        const standalone = kind === "get" ? lookup.get : "skipped" in lookup.endpointCheck ? undefined : lookup.endpointCheck;
        const honoP99 = standalone?.bareHono.latencyMs.p99 ?? NaN;
        rows.push([
          `burst: ${kind === "get" ? "GET device" : "endpoint check"} during the ${name} burst`,
          `p50 ${n2(w.during.p50)} ms`,
          `p99 ${n2(w.during.p99)} ms (${n0(w.during.count)} requests); before the burst p99 ${n2(w.before.p99)}, after ${n2(w.after.p99)}; no-burst run p99 ${n2(standalone?.connector.latencyMs.p99 ?? NaN)}; bare hono p99 ${n2(honoP99)}${b.overloaded ? `; the load generator ${b.overloaded}, so the requests due after that were never sent and the p99 leaves them out` : ""}`,
          // A run the connector fell behind is not met whatever the p99 of the requests it did answer.
          `p99 ≤ 3× hono ${verdict(w.during.p99 <= 3 * honoP99 && !b.overloaded)} (${n2(w.during.p99 / honoP99)}×)`,
        ]);
      }
    }
    rows.push(["lookup: max GET /v1/devices/{id}", `${n0(lookup.max.connector.requestsPerSecond)}/s`, `bare hono ${n0(lookup.max.bare.requestsPerSecond)}/s → ${n2(lookup.max.ratio)}×; ${lookup.responseBytes} B body (${lookup.responseEncoding})`, `≥ 0.4× ${verdict(lookup.max.ratio >= 0.4)}`]);
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
    `Facet connector bench — ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, fd limit ${r.machine.fdLimit ?? "?"}, database ${String(r.config.database)}, replicas ${String(r.config.replicas)}, load average ${n2(r.machine.loadAverage)} at the start`,
    "",
    line(["figure", "value", "detail", "goal"]),
    "| " + widths.map((w) => "-".repeat(w)).join(" | ") + " |",
    ...rows.map(line),
    "",
  ];
  for (const i of ingest ?? []) {
    if (!i.profile) continue;
    out.push(`Connector CPU during ingest, ${i.size} snapshots (self time, top functions):`);
    for (const e of i.profile) out.push(`  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.fn}  ${e.where}`);
    out.push("");
  }
  for (const b of lookup?.bursts ?? []) {
    if (!b.profile) continue;
    out.push(`Connector CPU during the ${b.form} burst's mixed lookup run (self time, top functions):`);
    for (const e of b.profile) out.push(`  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.fn}  ${e.where}`);
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
