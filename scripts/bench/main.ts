#!/usr/bin/env -S npx tsx
/**
 * `npm run bench`: how many laptops one connector holds and how fast it answers, measured against
 * baselines taken in the same run on the same machine (bare Ed25519 verify, a bare `ws` server,
 * bare node:http and hono servers), so the figures read as "fraction of what this hardware can
 * do", with the connector's CPU per request and per snapshot, per thread, beside them.
 *
 *   npm run bench                                   # defaults: about 6–8 minutes on 2 quiet cores
 *   npm run bench -- --only lookup --devices 50000 --burst 5000   # the fleet-scale lookup shape
 *   npm run bench -- --idle 20000 --json out.json   # the per-process file limit's worth of agents
 *   npm run bench -- --database postgres://postgres@127.0.0.1:5432/test --replicas 2
 *   npm run bench -- --only startup                 # how long each command takes to start (~1 min)
 *
 * docs/performance.md explains each figure and how to read it.
 */
import { Command } from "commander";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execSync } from "node:child_process";
import { get as httpGet } from "node:http";
import { tmpdir, cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { measureVerifyCeiling, type CeilingResult } from "./verify-ceiling.ts";
import { createApiToken, createEnrollToken, enrollDevices, seedDevices, seedFile, storeSnapshots, Fleet, type EnrolledDevice } from "./fleet.ts";
import { replicaStatus, startReplica, startReplicas, stopReplicas, type Replica } from "./replicas.ts";
import { startStormFleet } from "./storm.ts";
import { DEFAULT_BACKOFF } from "../../agent/transport/backoff.ts";
import { benchScript, spawnChild, type Child } from "./child.ts";
import type { OpenLoopResult } from "./open-loop.ts";
import { machineCpuBetween, sampleMachineCpu, stealNote, type MachineCpuShare } from "./machine-cpu.ts";
import type { LoadSpec, WarmResult, WarmSpec } from "./loadgen-process.ts";
import { percentiles, type Percentiles } from "./stats.ts";
import { summarizeProfile, type ProfileEntry } from "./profile-summary.ts";
import { renderReport, type BenchReport, type BurstResult, type CpuPerUnit, type LookupRuns, type OpenLoopSummary, type ThreadCpu } from "./report.ts";
import { isIngestVariant, isSnapshotSize, type IngestVariant, type SnapshotSize } from "./snapshot-sizes.ts";
import { cpuBetween, sampleThreads, type ThreadSample } from "./thread-cpu.ts";
import { startupRun } from "./startup.ts";

const program = new Command("bench")
  .description("Load bench for the Facet connector")
  .option("--devices <n>", "devices enrolled and stored (with one snapshot each) for the lookup runs", (v) => parseInt(v, 10), 10_000)
  .option("--snapshot <size>", "snapshot body of the stored devices, the burst and the idle/refresh agents: real (the real agent's document) or small (~4 KB)", "real")
  .option("--ingest-snapshots <list>", "what the ingest run measures, each in turn: real, steady (real-size in compact form after a first full one) and small", "real,steady,small")
  .option("--idle <n>", "connected, authenticated agents for the idle-capacity run (the file limit allows ~20,000)", (v) => parseInt(v, 10), 10_000)
  .option("--ingest-agents <n>", "agents pushing snapshots in the ingest run", (v) => parseInt(v, 10), 1_000)
  .option("--ingest-seconds <n>", "length of the ingest run", (v) => parseFloat(v), 10)
  .option("--window <n>", "snapshots each ingest agent keeps in flight", (v) => parseInt(v, 10), 2)
  .option("--presign-mb <n>", "memory the load generators may hold in pre-signed ingest frames", (v) => parseInt(v, 10), 1536)
  .option("--rate <n>", "open-loop request rate for the lookup latency runs (req/s)", (v) => parseInt(v, 10), 2_000)
  .option("--lookup-seconds <n>", "length of each open-loop lookup run", (v) => parseFloat(v), 10)
  .option("--warm-concurrency <n>", "requests in flight in the warm-up pass over every device before the lookup runs (0: no pass)", (v) => parseInt(v, 10), 4)
  .option("--warm-seconds <n>", "longest the warm-up pass may take per request kind", (v) => parseFloat(v), 120)
  .option("--burst <n>", "agents that each send one snapshot at once during a mixed lookup run (0: no burst run)", (v) => parseInt(v, 10), 5_000)
  .option("--burst-snapshots <list>", "what each burst agent sends, one burst run each: real (the whole document, as after an agent's first collection) and steady (family digests, as agents send after a connector restart)", "real,steady")
  .option("--get-encoding <encoding>", "what the device reads accept: gzip (as authentik's client, python-requests, asks) or identity", "gzip")
  .option("--burst-run-seconds <n>", "length of the mixed lookup run the burst lands in (the burst starts 2 s in)", (v) => parseFloat(v), 20)
  .option("--idle-timeout <n>", "longest wait, in seconds, for the connector to go quiet before a measured run", (v) => parseFloat(v), 30)
  .option("--max-seconds <n>", "length of each max-throughput run", (v) => parseFloat(v), 5)
  .option("--connections <n>", "connections for the max-throughput runs", (v) => parseInt(v, 10), 32)
  .option("--refresh-agents <n>", "agents connected during the refresh run", (v) => parseInt(v, 10), 1_000)
  .option("--refreshes <n>", "refresh-and-wait requests", (v) => parseInt(v, 10), 400)
  .option("--storm <n>", "agents in the reconnect-storm run (only with --only storm)", (v) => parseInt(v, 10), 2_000)
  .option("--enroll-sample <n>", "devices enrolled through POST /v1/enroll (the rest are seeded through the store)", (v) => parseInt(v, 10), 500)
  .option("--database <location>", "SQLite file (default: a temp file) or postgres:// URL")
  .option("--replicas <n>", "connector replicas on the same database", (v) => parseInt(v, 10), 1)
  .option("--agents-per-process <n>", "simulated agents per load-generator process", (v) => parseInt(v, 10), 5_000)
  .option("--startup-runs <n>", "rounds of each command in the start-up run", (v) => parseInt(v, 10), 20)
  .option("--startup-devices <n>", "devices enrolled for `facet devices ls` in the start-up run", (v) => parseInt(v, 10), 1_000)
  .option("--binaries <dir>", "where the start-up run looks for packaged binaries (npm run package)", "dist")
  .option("--lookup-cache-mb <n>", "the connector's --lookup-cache-mb (default: its own, an eighth of the heap limit each)", (v) => parseInt(v, 10))
  .option("--only <list>", "comma-separated subset: ingest,idle,refresh,lookup; or storm, startup (not in the default set)")
  .option("--profile <dir>", "write a CPU profile of the connector during ingest, the endpoint check, the burst run and max lookup to this directory")
  .option("--json <file>", "write the results as JSON");

const opts = program.parse().opts<{
  devices: number; snapshot: string; ingestSnapshots: string; idle: number; ingestAgents: number; ingestSeconds: number; window: number; presignMb: number;
  rate: number; lookupSeconds: number; warmConcurrency: number; warmSeconds: number; burst: number; burstSnapshots: string; getEncoding: string; burstRunSeconds: number; idleTimeout: number;
  maxSeconds: number; connections: number; refreshAgents: number; refreshes: number; storm: number;
  enrollSample: number; database?: string; replicas: number; lookupCacheMb?: number; agentsPerProcess: number; only?: string; profile?: string; json?: string;
  startupRuns: number; startupDevices: number; binaries: string;
}>();

const only = new Set((opts.only ?? "ingest,idle,refresh,lookup").split(",").map((s) => s.trim()));
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const root = resolve(new URL("../..", import.meta.url).pathname);
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

function sizeOption(value: string, flag: string): SnapshotSize {
  if (!isSnapshotSize(value)) {
    console.error(`${flag}: "${value}" is not real or small`);
    process.exit(2);
  }
  return value;
}
const snapshotSize = sizeOption(opts.snapshot, "--snapshot");
const ingestVariants = opts.ingestSnapshots.split(",").map((s) => {
  const v = s.trim();
  if (!isIngestVariant(v)) {
    console.error(`--ingest-snapshots: "${v}" is not real, steady or small`);
    process.exit(2);
  }
  return v;
});
type BurstForm = "real" | "steady";
/** The burst agents' snapshots: `steady` only where the stored snapshots are real-size (a small body has no steady-state form). */
if (opts.getEncoding !== "gzip" && opts.getEncoding !== "identity") {
  console.error(`--get-encoding: "${opts.getEncoding}" is not gzip or identity`);
  process.exit(2);
}
const acceptEncoding = opts.getEncoding === "gzip" ? "gzip, deflate" : "identity";
const burstForms = opts.burstSnapshots.split(",").map((s) => {
  const v = s.trim();
  if (v !== "real" && v !== "steady") {
    console.error(`--burst-snapshots: "${v}" is not real or steady`);
    process.exit(2);
  }
  return v as BurstForm;
}).filter((form) => form === "real" || snapshotSize === "real");
/** A steady-state snapshot is a real-size one: the same body is verified and stored. */
const sizeOf = (v: IngestVariant): SnapshotSize => (v === "steady" ? "real" : v);

function fdLimit(): number | null {
  try {
    return parseInt(execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim(), 10);
  } catch {
    return null;
  }
}

/** The connector's per-connection frame rate limit is a fairness policy, not a cost: lifted so a
 * modest number of agents can saturate ingest. The limits themselves are exercised in test/reliability. */
const BENCH_LIMITS = {
  framesPerSecond: 100_000, frameBurst: 100_000, maxPendingFrames: 64, heartbeatMs: 120_000,
  ...(opts.lookupCacheMb !== undefined ? { snapshotCacheBytes: opts.lookupCacheMb * 2 ** 20, policySnapshotCacheBytes: opts.lookupCacheMb * 2 ** 20, factsCacheBytes: opts.lookupCacheMb * 2 ** 20 } : {}),
};

const started = performance.now();
const tmp = mkdtempSync(join(tmpdir(), "facet-bench-"));
const database = opts.database ?? join(tmp, "facet.db");
const onPostgres = database.startsWith("postgres");
const report: BenchReport = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, fdLimit: fdLimit(), loadAverage: loadavg()[0]! },
  config: { ...opts, database: onPostgres ? database.replace(/\/\/[^@]*@/, "//***@") : "sqlite (temp file)" },
  results: {},
  notes: [],
};

let replicas: Replica[] = [];
let loadgen: Child | null = null;
try {
  const ceilings: Partial<Record<SnapshotSize, CeilingResult>> = {};
  for (const size of new Set([snapshotSize, ...ingestVariants.map(sizeOf)])) {
    log(`measuring the bare Ed25519 verify ceiling (${size} body)`);
    ceilings[size] = measureVerifyCeiling(size, 2000);
  }
  report.results.ceilings = ceilings;

  const needed = Math.max(only.has("lookup") || only.has("idle") ? opts.devices : 0, only.has("idle") ? opts.idle : 0, only.has("ingest") ? opts.ingestAgents : 0, only.has("refresh") ? opts.refreshAgents : 0, only.has("lookup") ? opts.burst : 0, only.has("storm") ? opts.storm : 0, only.has("startup") ? opts.startupDevices : 0);
  const restSample = Math.min(needed, opts.enrollSample);
  // A SQLite fleet is written into the file before the connector opens it (one transaction);
  // on PostgreSQL each device is enrolled through the store by the connector.
  let seeded: EnrolledDevice[] = [];
  if (!onPostgres) {
    log(`seeding ${needed - restSample} devices into the SQLite file`);
    const t0 = performance.now();
    seeded = await seedFile(database, needed - restSample, restSample);
    if (seeded.length > 0) report.results.seed = { devices: seeded.length, seconds: (performance.now() - t0) / 1000 };
  }

  replicas = await startReplicas(database, opts.replicas, BENCH_LIMITS);
  const primary = replicas[0]!;
  const restUrls = replicas.map((r) => r.url);
  const agentUrls = replicas.map((r) => r.agentUrl);
  log(`${replicas.length} connector replica(s) on ${onPostgres ? "postgres" : "sqlite"}: ${restUrls.join(", ")}`);

  const enrollToken = await createEnrollToken(primary.url, primary.adminToken, restSample + 10);
  const apiToken = await createApiToken(primary.url, primary.adminToken, ["devices:read", "devices:refresh", "endpoint:check"]);
  // The auth server's token, as docs/integrations/authentik.md creates it: the verdict without the facts.
  const checkToken = await createApiToken(primary.url, primary.adminToken, ["endpoint:check"]);
  log(`enrolling ${restSample} devices through POST /v1/enroll`);
  const enrollStarted = performance.now();
  const enrolledByRest = await enrollDevices(restUrls, enrollToken, restSample, 0, 32);
  const enrollSeconds = (performance.now() - enrollStarted) / 1000;
  report.results.enroll = { devices: restSample, seconds: enrollSeconds, perSecond: restSample / enrollSeconds };
  if (onPostgres) {
    log(`seeding ${needed - restSample} more through the store`);
    seeded = await seedDevices(primary.child, needed - restSample, restSample);
  }
  const devices = [...enrolledByRest, ...seeded];

  if (only.has("idle")) report.results.idle = await idleRun(devices.slice(0, opts.idle), agentUrls);
  if (only.has("lookup") || only.has("refresh")) {
    const lookupDevices = devices.slice(0, Math.max(opts.devices, only.has("refresh") ? opts.refreshAgents : 0));
    log(`storing one signed ${snapshotSize} snapshot for each of ${lookupDevices.length} devices through the store`);
    const t0 = performance.now();
    const accepted = await storeSnapshots(primary.child, lookupDevices, snapshotSize);
    report.results.seedSnapshots = { devices: lookupDevices.length, accepted, seconds: (performance.now() - t0) / 1000, size: snapshotSize };
    if (accepted < lookupDevices.length) report.notes.push(`seed: only ${accepted} of ${lookupDevices.length} devices got a snapshot stored`);
  }
  if (only.has("refresh")) report.results.refresh = await refreshRun(devices.slice(0, opts.refreshAgents), agentUrls, restUrls, apiToken);
  if (only.has("ingest")) {
    report.results.ingest = [];
    for (const variant of ingestVariants) report.results.ingest.push(await ingestRun(devices.slice(0, opts.ingestAgents), agentUrls, variant, ceilings[sizeOf(variant)]!));
  }
  if (only.has("lookup")) {
    loadgen = spawnChild(benchScript("loadgen-process.ts"));
    await loadgen.next("ready", 60_000);
    report.results.lookup = await lookupRun(devices.slice(0, opts.devices), restUrls, { apiToken, checkToken }, agentUrls, loadgen);
  }
  if (only.has("storm")) report.results.storm = await stormRun(devices.slice(0, opts.storm));
  if (only.has("startup")) {
    report.results.startup = await startupRun({ root, runs: opts.startupRuns, connectorUrl: primary.url, apiToken, devices: opts.startupDevices, binariesDir: resolve(root, opts.binaries), log });
  }
  report.results.counts = (await replicas[0]!.child.request<{ counts: Record<string, number> }>({ type: "counts" }, "counts")).counts;
} finally {
  await loadgen?.kill();
  await stopReplicas(replicas);
  rmSync(tmp, { recursive: true, force: true });
}
report.wallSeconds = (performance.now() - started) / 1000;

process.stdout.write(renderReport(report));
if (opts.json) {
  writeFileSync(opts.json, JSON.stringify(report, null, 2));
  log(`wrote ${opts.json}`);
}

// ───────────────────────────── runs ─────────────────────────────

/** Waits for every replica to go quiet (under 10 % of a core, no loop stall over 50 ms), bounded. */
async function settle(what: string): Promise<void> {
  const results = await Promise.all(
    replicas.map((r) => r.child.request<{ idle: boolean; waitedMs: number; cpu: number; delayMs: number }>({ type: "waitIdle", timeoutMs: opts.idleTimeout * 1000 } as never, "idle", opts.idleTimeout * 1000 + 30_000)),
  );
  for (const r of results) {
    if (!r.idle) report.notes.push(`${what}: the connector was still busy after ${(r.waitedMs / 1000).toFixed(0)} s (${(r.cpu * 100).toFixed(0)} % of a core, loop delay ${r.delayMs.toFixed(0)} ms); measured anyway`);
  }
  log(`${what}: connector idle after ${(Math.max(...results.map((r) => r.waitedMs)) / 1000).toFixed(1)} s`);
}

/** Per-thread CPU of every replica over `run`, grouped (main thread, workers by script, the rest by name). */
async function withThreadCpu<T>(run: () => Promise<T>): Promise<{ result: T; cpu: ThreadCpu }> {
  const before = replicas.map((r) => sampleThreads(r.pid));
  const result = await run();
  const after = replicas.map((r) => sampleThreads(r.pid));
  return { result, cpu: await threadCpuBetween(before, after) };
}

async function threadCpuBetween(before: (ThreadSample | null)[], after: (ThreadSample | null)[]): Promise<ThreadCpu> {
  const groups = new Map<string, { threads: number; cpuMs: number; minorFaults: number }>();
  let wallMs = 0;
  for (let i = 0; i < replicas.length; i++) {
    if (!before[i] || !after[i]) continue;
    const labels = new Map((await replicas[i]!.child.request<{ labels: [number, string][] }>({ type: "threads" }, "threads")).labels);
    const between = cpuBetween(before[i]!, after[i]!, labels);
    wallMs = Math.max(wallMs, between.wallMs);
    for (const g of between.groups) {
      const sum = groups.get(g.name) ?? { threads: 0, cpuMs: 0, minorFaults: 0 };
      sum.threads += g.threads;
      sum.cpuMs += g.cpuMs;
      sum.minorFaults += g.minorFaults;
      groups.set(g.name, sum);
    }
  }
  return { wallMs, groups: [...groups].map(([name, g]) => ({ name, ...g })) };
}

/** CPU µs per unit (request or snapshot): the main thread, every other group, and all threads. */
function perUnit(cpu: ThreadCpu, units: number): CpuPerUnit {
  const us = (ms: number): number => (ms * 1000) / Math.max(1, units);
  const main = cpu.groups.find((g) => g.name === "main");
  const each = (n: number): number => n / Math.max(1, units);
  return {
    units,
    wallMs: cpu.wallMs,
    mainUs: us(main?.cpuMs ?? NaN),
    allUs: us(cpu.groups.reduce((n, g) => n + g.cpuMs, 0)),
    mainFaults: each(main?.minorFaults ?? NaN),
    others: cpu.groups.filter((g) => g.name !== "main").map((g) => ({ name: g.name, threads: g.threads, us: us(g.cpuMs), faults: each(g.minorFaults) })),
    mainBusy: (main?.cpuMs ?? NaN) / Math.max(1, cpu.wallMs),
  };
}

async function idleRun(devices: EnrolledDevice[], agentUrls: string[]) {
  const limit = report.machine.fdLimit ?? Infinity;
  const perReplicaMax = limit - 64;
  let target = devices;
  if (devices.length / replicas.length > perReplicaMax) {
    target = devices.slice(0, perReplicaMax * replicas.length);
    report.notes.push(`idle: ${devices.length} agents asked for, ${target.length} attempted — each process may hold ${limit} files and needs ~64 for itself`);
  }
  const sourceAddresses = Math.max(1, Math.ceil(target.length / 10_000));
  const before = await Promise.all(replicas.map(replicaStatus));
  log(`idle: connecting ${target.length} authenticated agents`);
  const fleet = await Fleet.start({ agentUrls, devices: target, perProcess: opts.agentsPerProcess, sourceAddresses, size: "small" });
  const connect = await fleet.connect(64);
  await sleep(1000);
  const after = await Promise.all(replicas.map(replicaStatus));
  const held = after.reduce((n, s) => n + s.agents, 0);
  await fleet.close();
  await sleep(1500);

  log(`idle: the same number of bare ws connections`);
  const bare = spawnChild(benchScript("baseline-server.ts"), { args: ["ws"] });
  const { port } = await bare.next<{ port: number }>("listening");
  const bareBefore = await bare.request<{ rss: number }>({ type: "status" }, "status");
  const plainFleet = await Fleet.start({ agentUrls, devices: target.slice(0, Math.ceil(target.length / replicas.length)), perProcess: opts.agentsPerProcess, sourceAddresses, size: "small" });
  const bareConnect = await plainFleet.connectPlain(`ws://127.0.0.1:${port}/`, 64);
  await sleep(1000);
  const bareAfter = await bare.request<{ rss: number; connections: number }>({ type: "status" }, "status");
  await plainFleet.close();
  await bare.kill();

  const perAgentBytes = (after.reduce((n, s) => n + s.rss, 0) - before.reduce((n, s) => n + s.rss, 0)) / Math.max(1, held);
  const barePerConnectionBytes = (bareAfter.rss - bareBefore.rss) / Math.max(1, bareAfter.connections);
  return {
    asked: devices.length,
    attempted: target.length,
    connected: connect.connected,
    heldByConnector: held,
    failed: connect.failed,
    firstError: connect.firstError,
    connectSeconds: connect.ms / 1000,
    connectorRssBeforeMb: mb(before.reduce((n, s) => n + s.rss, 0)),
    connectorRssAfterMb: mb(after.reduce((n, s) => n + s.rss, 0)),
    perAgentKb: perAgentBytes / 1024,
    perAgentHeapKb: (after.reduce((n, s) => n + s.heapUsed, 0) - before.reduce((n, s) => n + s.heapUsed, 0)) / Math.max(1, held) / 1024,
    bare: { connected: bareConnect.connected, rssBeforeMb: mb(bareBefore.rss), rssAfterMb: mb(bareAfter.rss), perConnectionKb: barePerConnectionBytes / 1024 },
    ratioToBare: perAgentBytes / barePerConnectionBytes,
    loadProcesses: fleet.processes,
    sourceAddresses,
  };
}

async function refreshRun(devices: EnrolledDevice[], agentUrls: string[], restUrls: string[], apiToken: string) {
  log(`refresh: ${opts.refreshes} refresh-and-wait requests with ${devices.length} agents connected`);
  const fleet = await Fleet.start({ agentUrls, devices, perProcess: opts.agentsPerProcess, sourceAddresses: 1, size: snapshotSize });
  const connect = await fleet.connect(64);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const lanes = 4;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < opts.refreshes) {
        const i = next++;
        const device = devices[(i * 7919) % devices.length]!;
        const t0 = performance.now();
        const res = await fetch(`${restUrls[i % restUrls.length]}/v1/devices/${device.deviceId}/refresh?wait=5`, { method: "POST", headers: { authorization: `Bearer ${apiToken}` } });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  await fleet.close();
  return { connected: connect.connected, requests: opts.refreshes, concurrency: lanes, statuses, latencyMs: percentiles(latencies) };
}

async function ingestRun(devices: EnrolledDevice[], agentUrls: string[], variant: IngestVariant, ceiling: CeilingResult) {
  const size = variant;
  // The previous run's snapshots must be written first: a welcome names the last stored seq, and
  // these agents (new processes) start from it.
  await settle(`ingest (${size}) connect`);
  const fleet = await Fleet.start({ agentUrls, devices, perProcess: Math.ceil(devices.length / 2), sourceAddresses: 1, size: sizeOf(variant) });
  const connect = await fleet.connect(64);
  const steady = variant === "steady" && ceiling.compact !== undefined;
  if (steady) {
    // The steady state starts after an acked full snapshot: the connector rebuilds compact frames from it.
    log(`ingest (${size}): each agent's first snapshot in full`);
    await fleet.presign(1);
    const primed = (await fleet.ingest(0, 300_000, 1)).reduce((n, r) => n + r.acked, 0);
    if (primed < connect.connected) report.notes.push(`ingest (${size}): only ${primed} of ${connect.connected} first snapshots acked`);
  }
  const frameBytes = steady ? ceiling.compact!.frameBytes : ceiling.frameBytes;
  const warmupMs = 2000;
  // Enough pre-signed for the connector to run at 1.5× the single-core ceiling for warm-up and
  // run, within the generators' memory budget (a real-size frame is ~15× a small one).
  const wanted = Math.ceil((ceiling.verifiesPerSecond * 1.5 * replicas.length * (opts.ingestSeconds + warmupMs / 1000)) / Math.max(1, connect.connected)) + opts.window;
  const affordable = Math.floor((opts.presignMb * 1024 * 1024) / Math.max(1, connect.connected * frameBytes));
  const perAgent = Math.max(opts.window + 1, Math.min(wanted, affordable));
  log(`ingest (${size}): ${connect.connected} agents, pre-signing ${perAgent} snapshots each (${frameBytes} B frames)`);
  const presigned = await fleet.presign(perAgent, steady);
  await settle(`ingest (${size})`);
  if (opts.profile) await Promise.all(replicas.map((r) => r.child.request({ type: "profileStart" }, "profiling")));
  await Promise.all(replicas.map((r) => r.child.request({ type: "batches" }, "batches")));
  log(`ingest (${size}): pushing for ${opts.ingestSeconds} s (window ${opts.window} per agent)`);
  const startAt = Date.now() + 300;
  // Thread CPU over exactly the measured window (after the warm-up), read on the window's edges.
  let before: (ThreadSample | null)[] = [];
  let after: (ThreadSample | null)[] = [];
  const edges = [
    setTimeout(() => (before = replicas.map((r) => sampleThreads(r.pid))), startAt + warmupMs - Date.now()),
    setTimeout(() => (after = replicas.map((r) => sampleThreads(r.pid))), startAt + warmupMs + opts.ingestSeconds * 1000 - Date.now()),
  ];
  const reports = await fleet.ingest(warmupMs, warmupMs + opts.ingestSeconds * 1000, opts.window, startAt);
  edges.forEach(clearTimeout);
  if (after.length === 0) after = replicas.map((r) => sampleThreads(r.pid));
  let profile: ProfileEntry[] | undefined;
  if (opts.profile) {
    profile = await stopProfile(`ingest-${size}`);
    for (const r of replicas.slice(1)) await r.child.request({ type: "profileStop" }, "profiled");
  }
  const batchStats = await Promise.all(replicas.map((r) => r.child.request<{ count: number; snapshots: number; ms: number }>({ type: "batches" }, "batches")));
  const batchCount = batchStats.reduce((n, b) => n + b.count, 0);
  const batches = {
    transactions: batchCount,
    snapshotsPerTransaction: batchStats.reduce((n, b) => n + b.snapshots, 0) / Math.max(1, batchCount),
    msPerTransaction: batchStats.reduce((n, b) => n + b.ms, 0) / Math.max(1, batchCount),
  };
  const ackedInWindow = reports.reduce((n, r) => n + r.ackedInWindow, 0);
  const cpu = perUnit(await threadCpuBetween(before, after), ackedInWindow);
  await fleet.close();
  const perSecond = ackedInWindow / opts.ingestSeconds;
  const errors: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const exhausted = reports.reduce((n, r) => n + r.exhausted, 0);
  if (exhausted > 0) report.notes.push(`ingest (${size}): agents ran out of pre-signed snapshots ${exhausted} times — the figure is a lower bound (--presign-mb ${opts.presignMb} allowed ${perAgent} each)`);
  const verifyUs = 1e6 / ceiling.verifiesPerSecond;
  return {
    size,
    bodyBytes: ceiling.bodyBytes,
    wire: steady ? ceiling.compact! : { bodyBytes: ceiling.bodyBytes, frameBytes: ceiling.frameBytes },
    agents: connect.connected,
    window: opts.window,
    presigned: perAgent,
    presignSeconds: presigned.ms / 1000,
    seconds: opts.ingestSeconds,
    acked: ackedInWindow,
    perSecond,
    ceilingPerSecond: ceiling.verifiesPerSecond,
    ratioToCeiling: perSecond / (ceiling.verifiesPerSecond * replicas.length),
    ackLatencyMs: percentiles(reports.flatMap((r) => r.latencies)),
    cpu,
    verifyUs,
    mainToVerify: cpu.mainUs / verifyUs,
    allToVerify: cpu.allUs / verifyUs,
    batches,
    errors,
    profile,
  };
}

async function lookupRun(devices: EnrolledDevice[], restUrls: string[], { apiToken, checkToken }: { apiToken: string; checkToken: string }, agentUrls: string[], gen: Child) {
  await gen.request({ type: "devices", ids: devices.map((d) => d.deviceId) } as never, "ok");
  const spec = (url: string, kind: LoadSpec["kind"], over: Partial<LoadSpec> = {}): LoadSpec => ({
    url, kind, order: "spread", token: apiToken, checkToken, policies, rate: opts.rate, durationMs: opts.lookupSeconds * 1000, acceptEncoding, ...over,
  });
  const load = async (s: LoadSpec): Promise<MeasuredLoad> => {
    const before = sampleMachineCpu();
    const { result } = await gen.request<{ result: OpenLoopResult }>({ type: "run", spec: s } as never, "ran", s.durationMs + 180_000);
    return { ...result, machine: machineCpuBetween(before, sampleMachineCpu()) };
  };

  const connectorCaches = () => cacheCounts(restUrls[0]!, replicas[0]!.adminToken);

  let policies: string[] = [];
  let skipped: string | undefined;
  const policy = await fetch(`${restUrls[0]}/v1/device-assurances`, {
    method: "POST",
    headers: { authorization: `Bearer ${replicas[0]!.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench: Linux baseline", platform: "LINUX", firewallEnabled: true, secureBootEnabled: true }),
  });
  if (policy.status === 404) {
    skipped = "this connector has no device-assurance policies (POST /v1/device-assurances answered 404)";
    log(`lookup: ${skipped}`);
  } else {
    const policyBody = (await policy.json()) as { id?: string };
    if (policy.status !== 201 && policy.status !== 200) throw new Error(`creating the bench policy failed: ${policy.status} ${JSON.stringify(policyBody)}`);
    policies = [policyBody.id!];
  }
  const kinds: ("get" | "check")[] = skipped ? ["get"] : ["get", "check"];

  await settle("lookup warm-up");
  let warm: Partial<Record<"get" | "check", WarmResult>> | undefined;
  if (opts.warmConcurrency > 0) {
    warm = {};
    for (const kind of kinds) {
      log(`lookup: warm-up pass, ${kind} of every device once, ${opts.warmConcurrency} at a time, at most ${opts.warmSeconds} s`);
      const spec: WarmSpec = { url: restUrls[0]!, kind, token: kind === "check" ? checkToken : apiToken, policies, concurrency: opts.warmConcurrency, maxMs: opts.warmSeconds * 1000, acceptEncoding };
      warm[kind] = (await gen.request<{ result: WarmResult }>({ type: "warm", spec } as never, "warmed", 3_600_000)).result;
    }
  }

  // The bare servers answer with the connector's own bytes, as it sends them (gzip or not).
  const auth = { authorization: `Bearer ${apiToken}`, "accept-encoding": acceptEncoding };
  const id = devices[0]!.deviceId;
  const deviceRead = await rawGet(`${restUrls[0]}/v1/devices/${id}`, auth);
  const checkJson = skipped
    ? "{}"
    : await (await fetch(`${restUrls[0]}/v1/endpoint/check`, { method: "POST", headers: { authorization: `Bearer ${checkToken}`, "content-type": "application/json" }, body: JSON.stringify({ device: id, policies, mode: "lookup" }) })).text();
  const bare: Record<"http" | "hono", { child: Child; url: string }> = {} as never;
  for (const mode of ["http", "hono"] as const) {
    const child = spawnChild(benchScript("baseline-server.ts"), { args: [mode] });
    const { port } = await child.next<{ port: number }>("listening");
    await child.request({ type: "setJson", json: deviceRead.body.toString("base64"), contentEncoding: deviceRead.contentEncoding, checkJson } as never, "ok");
    bare[mode] = { child, url: `http://127.0.0.1:${port}` };
  }

  /** A bare server's run, with its main thread's CPU per request (the same /proc reading as the connector's). */
  const bareRun = async (child: Child, s: LoadSpec, what: string) => {
    const pid = child.process.pid!;
    const before = sampleThreads(pid);
    const result = await load(s);
    const after = sampleThreads(pid);
    const main = before && after ? (cpuBetween(before, after).groups.find((g) => g.name === "main")?.cpuMs ?? NaN) : NaN;
    return { summary: summarizeOpenLoop(result, opts.rate, what), mainUs: (main * 1000) / Math.max(1, result.completed) };
  };
  const runs: Partial<Record<"get" | "check", LookupRuns>> = {};
  for (const kind of kinds) {
    await settle(`lookup ${kind}`);
    log(`lookup: ${kind === "get" ? "GET /v1/devices/{id}" : "POST /v1/endpoint/check"} open loop at ${opts.rate}/s for ${opts.lookupSeconds} s over ${devices.length} devices`);
    if (opts.profile && kind === "check") await replicas[0]!.child.request({ type: "profileStart" }, "profiling");
    const cachesBefore = await connectorCaches();
    const measured = await withThreadCpu(() => load(spec(restUrls[0]!, kind)));
    // Whether the measured requests were served from memory, or the warm-up left part of the fleet cold.
    report.notes.push(`lookup (${kind}): caches during the measured run, its connection-opening requests included (hits/misses): ${cacheSummary(await connectorCaches(), cachesBefore)}`);
    if (opts.profile && kind === "check") await stopProfile("endpoint-check");
    log(`lookup: the same at bare node:http and bare hono`);
    const http = await bareRun(bare.http.child, spec(bare.http.url, kind), `bare http ${kind}`);
    const hono = await bareRun(bare.hono.child, spec(bare.hono.url, kind), `bare hono ${kind}`);
    const connector = summarizeOpenLoop(measured.result, opts.rate, kind);
    const cpu = perUnit(measured.cpu, measured.result.completed);
    runs[kind] = {
      connector, cpu, bareHttp: http.summary, bareHono: hono.summary, bareHttpMainUs: http.mainUs, bareHonoMainUs: hono.mainUs,
      p99ToHono: connector.latencyMs.p99 / hono.summary.latencyMs.p99, mainCpuToHono: cpu.mainUs / hono.mainUs,
    };
  }

  const bursts: BurstResult[] = [];
  if (opts.burst > 0) {
    for (const form of burstForms) bursts.push(await burstRun(devices.slice(0, opts.burst), agentUrls, restUrls[0]!, load, spec, kinds, form));
  }

  log(`lookup: max throughput, connector vs bare hono route (${opts.connections} connections, ${opts.maxSeconds} s each)`);
  await settle("lookup max");
  if (opts.profile) await replicas[0]!.child.request({ type: "profileStart" }, "profiling");
  const connectorMax = await cannon(`${restUrls[0]}/v1/devices/${id}`, auth);
  const profile = opts.profile ? await stopProfile("lookup") : undefined;
  const bareMax = await cannon(`${bare.hono.url}/v1/devices/${id}`, { "accept-encoding": acceptEncoding });
  report.notes.push(`lookup: connector caches since start (hits/misses): ${cacheSummary(await connectorCaches())}`);
  await Promise.all([bare.http.child.kill(), bare.hono.child.kill()]);
  return {
    devices: devices.length,
    size: snapshotSize,
    responseBytes: deviceRead.body.length,
    responseEncoding: deviceRead.contentEncoding ?? "identity",
    warm,
    get: runs.get!,
    endpointCheck: runs.check ?? { skipped: skipped! },
    bursts,
    max: { connector: connectorMax, bare: bareMax, ratio: connectorMax.requestsPerSecond / bareMax.requestsPerSecond },
    profile,
  };
}

/** Stops the first replica's CPU profile, keeps it in --profile as connector-<label>-<time>.cpuprofile, and returns its top functions. */
async function stopProfile(label: string): Promise<ProfileEntry[]> {
  const file = join(opts.profile!, `connector-${label}-${Date.now()}.cpuprofile`);
  await replicas[0]!.child.request({ type: "profileStop", file } as never, "profiled");
  report.notes.push(`${label} CPU profile: ${file}`);
  return summarizeProfile(JSON.parse(readFileSync(file, "utf8")));
}

type CacheCounts = Map<string, { hit: number; miss: number }>;

/** The connector's own cache counters (facet_cache_requests_total) by cache. */
async function cacheCounts(url: string, adminToken: string): Promise<CacheCounts> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
  const counts: CacheCounts = new Map();
  for (const m of text.matchAll(/^facet_cache_requests_total\{cache="([^"]+)",result="(hit|miss)"\} (\d+)/gm)) {
    const entry = counts.get(m[1]!) ?? { hit: 0, miss: 0 };
    entry[m[2] as "hit" | "miss"] = Number(m[3]);
    counts.set(m[1]!, entry);
  }
  return counts;
}

/** "name hits/misses" for every cache, or (with `since`) for those used in between. */
function cacheSummary(counts: CacheCounts, since?: CacheCounts): string {
  return [...counts]
    .map(([name, c]) => ({ name, hit: c.hit - (since?.get(name)?.hit ?? 0), miss: c.miss - (since?.get(name)?.miss ?? 0) }))
    .filter((c) => !since || c.hit + c.miss > 0)
    .map((c) => `${c.name} ${c.hit}/${c.miss}`)
    .join(", ");
}

/**
 * `agents` agents (connected and idle beforehand) each send one pre-signed snapshot at the same
 * moment, 2 s into a mixed open-loop lookup run (GET and check alternating, --rate in all): the
 * lookups due while the burst is being ingested (first send to last ack) against those due before.
 */
async function burstRun(agents: EnrolledDevice[], agentUrls: string[], restUrl: string, load: (s: LoadSpec) => Promise<MeasuredLoad>, spec: (url: string, kind: LoadSpec["kind"], over?: Partial<LoadSpec>) => LoadSpec, kinds: ("get" | "check")[], form: BurstForm): Promise<BurstResult> {
  log(`burst (${form}): connecting ${agents.length} agents, one pre-signed ${form === "steady" ? "steady-state real" : snapshotSize} snapshot each`);
  const fleet = await Fleet.start({ agentUrls, devices: agents, perProcess: opts.agentsPerProcess, sourceAddresses: Math.max(1, Math.ceil(agents.length / 10_000)), size: snapshotSize });
  const connect = await fleet.connect(64);
  // Steady-state frames name families by digest: the connector rebuilds them from each device's stored snapshot.
  await fleet.presign(1, form === "steady");
  await settle(`burst (${form})`);
  const runMs = opts.burstRunSeconds * 1000;
  log(`burst (${form}): mixed lookup run at ${opts.rate}/s for ${opts.burstRunSeconds} s, the burst 2 s in`);
  if (opts.profile) await replicas[0]!.child.request({ type: "profileStart" }, "profiling");
  const running = load(spec(restUrl, kinds.length > 1 ? "mixed" : "get", { durationMs: runMs }));
  const burstAt = Date.now() + 2000;
  const [run, reports] = await Promise.all([running, fleet.ingest(0, 180_000, 1, burstAt)]);
  const profile = opts.profile ? await stopProfile(`burst-${form}`) : undefined;
  noteSteal(`burst (${form})`, run.machine);
  await fleet.close();
  const acked = reports.reduce((n, r) => n + r.acked, 0);
  const burstEnd = Math.max(...reports.map((r) => r.lastAckAt));
  const runEnd = run.startedAtEpochMs + runMs;
  if (burstEnd > runEnd) report.notes.push(`burst (${form}): the last ack came ${((burstEnd - runEnd) / 1000).toFixed(1)} s after the lookup run ended; the during-burst figures cover the run's part only`);
  if (acked < agents.length) report.notes.push(`burst (${form}): ${acked} of ${agents.length} snapshots acked`);
  const window = (kind: number, from: number, to: number): Percentiles => {
    const out: number[] = [];
    const { dueMs, latencyMs, kind: kinds } = run.samples;
    for (let i = 0; i < dueMs.length; i++) {
      const due = run.startedAtEpochMs + dueMs[i]!;
      if (kinds[i] === kind && due >= from && due <= to) out.push(latencyMs[i]!);
    }
    return percentiles(out);
  };
  const lookups = Object.fromEntries(
    kinds.map((k, i) => [k, { before: window(i, run.startedAtEpochMs + 1000, burstAt), during: window(i, burstAt, burstEnd), after: window(i, burstEnd, Infinity) }]),
  ) as Partial<Record<"get" | "check", { before: Percentiles; during: Percentiles; after: Percentiles }>>;
  return {
    form,
    agents: agents.length,
    connected: connect.connected,
    acked,
    seconds: (burstEnd - burstAt) / 1000,
    perSecond: acked / Math.max(0.001, (burstEnd - burstAt) / 1000),
    ackLatencyMs: percentiles(reports.flatMap((r) => r.latencies)),
    rate: opts.rate,
    achieved: run.achievedRate,
    overloaded: run.overloaded,
    machine: run.machine,
    lookups,
    profile,
  };
}

async function stormRun(devices: EnrolledDevice[]) {
  log(`storm: ${devices.length} agents with the agent's backoff (base ${DEFAULT_BACKOFF.baseMs} ms, cap ${DEFAULT_BACKOFF.capMs / 1000} s)`);
  const target = replicas[0]!;
  const fleet = await startStormFleet({ agentUrl: target.agentUrl, devices, backoff: DEFAULT_BACKOFF });
  await until(() => fleet.connected() === devices.length, 120_000);
  const before = await replicaStatus(target);
  fleet.armStorm();
  log("storm: kill -9 of the connector, restart on the same port and database");
  await target.child.kill("SIGKILL");
  const restarted = await startReplica(database, BENCH_LIMITS, target.port);
  replicas[0] = restarted;
  const restartedAt = Date.now();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, procRss(restarted.pid))), 100);
  await until(() => fleet.records.every((r) => r.reattachedAt !== null), 300_000);
  clearInterval(sampler);
  const after = await replicaStatus(restarted);
  const reattach = fleet.records.filter((r) => r.reattachedAt !== null);
  const within = reattach.filter((r) => r.reattachedAt! - r.lostAt! <= r.ceilingMs + 10_000).length;
  const connected = fleet.connected();
  fleet.stop();
  return {
    agents: devices.length,
    reattached: reattach.length,
    withinBackoffBounds: within,
    gaveUp: devices.length - connected,
    sinceRestartMs: percentiles(reattach.map((r) => r.reattachedAt! - restartedAt)),
    attempts: percentiles(reattach.map((r) => r.delays.length)),
    rssBeforeMb: mb(before.rss),
    rssPeakMb: mb(peakRss),
    rssAfterMb: mb(after.rss),
  };
}

function procRss(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
    return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(50);
  }
}

/** An open-loop run and the machine's CPU over it. */
type MeasuredLoad = OpenLoopResult & { machine: MachineCpuShare | null };

function summarizeOpenLoop(r: MeasuredLoad, rate: number, what: string): OpenLoopSummary {
  if (r.overloaded) report.notes.push(`lookup (${what}): ${r.overloaded}`);
  noteSteal(`lookup (${what})`, r.machine);
  return {
    rate, achieved: r.achievedRate, latencyMs: r.latencyMs, firstSecondMs: r.firstSecondMs, afterFirstSecondMs: r.afterFirstSecondMs,
    statuses: r.statuses, errors: r.errors, ...(r.overloaded ? { overloaded: r.overloaded } : {}), machine: r.machine,
  };
}

function noteSteal(what: string, machine: MachineCpuShare | null): void {
  const note = stealNote(what, machine);
  if (note) report.notes.push(note);
}

/** A GET's body as sent on the wire (not decoded), and its Content-Encoding. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ body: Buffer; contentEncoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve({ body: Buffer.concat(chunks), contentEncoding: res.headers["content-encoding"] }));
    }).on("error", reject);
  });
}

async function cannon(url: string, headers: Record<string, string>): Promise<{ requestsPerSecond: number; p50: number; p99: number; non2xx: number; errors: number }> {
  const result = await autocannon({ url, headers, connections: opts.connections, duration: opts.maxSeconds, pipelining: 1 });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
