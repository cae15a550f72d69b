#!/usr/bin/env -S npx tsx
/**
 * `npm run bench`: how many laptops one connector holds and how fast it answers, measured against
 * baselines taken in the same run on the same machine (bare Ed25519 verify, a bare `ws` server, a
 * bare hono route), so the figures read as "fraction of what this hardware can do".
 *
 *   npm run bench                                   # defaults: about 2–3 minutes on 2 cores
 *   npm run bench -- --idle 20000 --json out.json   # the per-process file limit's worth of agents
 *   npm run bench -- --database postgres://postgres@127.0.0.1:5432/test --replicas 2
 *   npm run bench -- --only startup                 # how long each command takes to start (~1 min)
 *
 * docs/performance.md explains each figure and how to read it.
 */
import { Command } from "commander";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execSync } from "node:child_process";
import { tmpdir, cpus } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { measureVerifyCeiling } from "./verify-ceiling.ts";
import { createApiToken, createEnrollToken, enrollDevices, seedDevices, Fleet, type EnrolledDevice } from "./fleet.ts";
import { replicaStatus, startReplica, startReplicas, stopReplicas, type Replica } from "./replicas.ts";
import { startStormFleet } from "./storm.ts";
import { DEFAULT_BACKOFF } from "../../agent/transport/backoff.ts";
import { benchScript, spawnChild } from "./child.ts";
import { runOpenLoop, type OpenLoopResult } from "./open-loop.ts";
import { percentiles } from "./stats.ts";
import { summarizeProfile, type ProfileEntry } from "./profile-summary.ts";
import { renderReport, type BenchReport, type OpenLoopSummary } from "./report.ts";
import { startupRun } from "./startup.ts";

const program = new Command("bench")
  .description("Load bench for the Facet connector")
  .option("--devices <n>", "devices enrolled and stored for the lookup runs", (v) => parseInt(v, 10), 10_000)
  .option("--idle <n>", "connected, authenticated agents for the idle-capacity run (the file limit allows ~20,000)", (v) => parseInt(v, 10), 10_000)
  .option("--ingest-agents <n>", "agents pushing snapshots in the ingest run", (v) => parseInt(v, 10), 1_000)
  .option("--ingest-seconds <n>", "length of the ingest run", (v) => parseFloat(v), 10)
  .option("--window <n>", "snapshots each ingest agent keeps in flight", (v) => parseInt(v, 10), 2)
  .option("--rate <n>", "open-loop request rate for the lookup latency runs (req/s)", (v) => parseInt(v, 10), 2_000)
  .option("--lookup-seconds <n>", "length of each open-loop lookup run", (v) => parseFloat(v), 10)
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
  .option("--only <list>", "comma-separated subset: ingest,idle,refresh,lookup; or storm, startup (not in the default set)")
  .option("--profile <dir>", "write a CPU profile of the connector during ingest, the endpoint check and max lookup to this directory")
  .option("--json <file>", "write the results as JSON");

const opts = program.parse().opts<{
  devices: number; idle: number; ingestAgents: number; ingestSeconds: number; window: number; rate: number;
  lookupSeconds: number; maxSeconds: number; connections: number; refreshAgents: number; refreshes: number; storm: number;
  enrollSample: number; database?: string; replicas: number; agentsPerProcess: number; only?: string; profile?: string; json?: string;
  startupRuns: number; startupDevices: number; binaries: string;
}>();

const only = new Set((opts.only ?? "ingest,idle,refresh,lookup").split(",").map((s) => s.trim()));
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const root = resolve(new URL("../..", import.meta.url).pathname);
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

function fdLimit(): number | null {
  try {
    return parseInt(execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim(), 10);
  } catch {
    return null;
  }
}

/** The connector's per-connection frame rate limit is a fairness policy, not a cost: lifted so a
 * modest number of agents can saturate ingest. The limits themselves are exercised in test/reliability. */
const BENCH_LIMITS = { framesPerSecond: 100_000, frameBurst: 100_000, maxPendingFrames: 64, heartbeatMs: 120_000 };

const started = performance.now();
const tmp = mkdtempSync(join(tmpdir(), "facet-bench-"));
const database = opts.database ?? join(tmp, "facet.db");
const report: BenchReport = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, fdLimit: fdLimit() },
  config: { ...opts, database: database.startsWith("postgres") ? database.replace(/\/\/[^@]*@/, "//***@") : "sqlite (temp file)" },
  results: {},
  notes: [],
};

let replicas: Replica[] = [];
try {
  log("measuring the bare Ed25519 verify ceiling");
  const ceiling = measureVerifyCeiling(2000);
  report.results.ceiling = ceiling;

  replicas = await startReplicas(database, opts.replicas, BENCH_LIMITS);
  const primary = replicas[0]!;
  const restUrls = replicas.map((r) => r.url);
  const agentUrls = replicas.map((r) => r.agentUrl);
  log(`${replicas.length} connector replica(s) on ${database.startsWith("postgres") ? "postgres" : "sqlite"}: ${restUrls.join(", ")}`);

  const needed = Math.max(only.has("lookup") || only.has("idle") ? opts.devices : 0, only.has("idle") ? opts.idle : 0, only.has("ingest") ? opts.ingestAgents : 0, only.has("refresh") ? opts.refreshAgents : 0, only.has("storm") ? opts.storm : 0, only.has("startup") ? opts.startupDevices : 0);
  const restSample = Math.min(needed, opts.enrollSample);
  const enrollToken = await createEnrollToken(primary.url, primary.adminToken, restSample + 10);
  const apiToken = await createApiToken(primary.url, primary.adminToken, ["devices:read", "devices:refresh", "endpoint:check"]);
  log(`enrolling ${restSample} devices through POST /v1/enroll`);
  const enrollStarted = performance.now();
  const enrolledByRest = await enrollDevices(restUrls, enrollToken, restSample, 0, 32);
  const enrollSeconds = (performance.now() - enrollStarted) / 1000;
  report.results.enroll = { devices: restSample, seconds: enrollSeconds, perSecond: restSample / enrollSeconds };
  log(`enrolled ${restSample} in ${enrollSeconds.toFixed(1)} s; seeding ${needed - restSample} more through the store`);
  const devices = [...enrolledByRest, ...(await seedDevices(primary.child, needed - restSample, restSample))];

  if (only.has("idle")) report.results.idle = await idleRun(devices.slice(0, opts.idle), agentUrls);
  if (only.has("lookup") || only.has("refresh")) await seedSnapshots(devices.slice(0, opts.devices), agentUrls, only.has("idle") ? opts.idle : 0);
  if (only.has("refresh")) report.results.refresh = await refreshRun(devices.slice(0, opts.refreshAgents), agentUrls, restUrls, apiToken);
  if (only.has("ingest")) report.results.ingest = await ingestRun(devices.slice(0, opts.ingestAgents), agentUrls, ceiling.verifiesPerSecond);
  if (only.has("lookup")) report.results.lookup = await lookupRun(devices.slice(0, opts.devices), restUrls, apiToken);
  if (only.has("storm")) report.results.storm = await stormRun(devices.slice(0, opts.storm));
  if (only.has("startup")) {
    report.results.startup = await startupRun({ root, runs: opts.startupRuns, connectorUrl: primary.url, apiToken, devices: opts.startupDevices, binariesDir: resolve(root, opts.binaries), log });
  }
  report.results.counts = (await replicas[0]!.child.request<{ counts: Record<string, number> }>({ type: "counts" }, "counts")).counts;
} finally {
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
  const fleet = await Fleet.start({ agentUrls, devices: target, perProcess: opts.agentsPerProcess, sourceAddresses });
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
  const plainFleet = await Fleet.start({ agentUrls, devices: target.slice(0, Math.ceil(target.length / replicas.length)), perProcess: opts.agentsPerProcess, sourceAddresses });
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

/** Every lookup device gets one stored snapshot, pushed by a real agent session. */
async function seedSnapshots(devices: EnrolledDevice[], agentUrls: string[], _alreadyIdle: number): Promise<void> {
  log(`seeding one signed snapshot for each of ${devices.length} devices`);
  const fleet = await Fleet.start({ agentUrls, devices, perProcess: opts.agentsPerProcess, sourceAddresses: Math.max(1, Math.ceil(devices.length / 10_000)) });
  await fleet.connect(64);
  await fleet.presign(1);
  // Ends early once every snapshot is acked; the clock is only a bound.
  const reports = await fleet.ingest(0, 60_000 + devices.length * 5, 1);
  const acked = reports.reduce((n, r) => n + r.acked, 0);
  if (acked < devices.length) report.notes.push(`seed: only ${acked} of ${devices.length} devices got a snapshot stored`);
  await fleet.close();
}

async function refreshRun(devices: EnrolledDevice[], agentUrls: string[], restUrls: string[], apiToken: string) {
  log(`refresh: ${opts.refreshes} refresh-and-wait requests with ${devices.length} agents connected`);
  const fleet = await Fleet.start({ agentUrls, devices, perProcess: opts.agentsPerProcess, sourceAddresses: 1 });
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

async function ingestRun(devices: EnrolledDevice[], agentUrls: string[], ceilingPerSecond: number) {
  const fleet = await Fleet.start({ agentUrls, devices, perProcess: Math.ceil(devices.length / 2), sourceAddresses: 1 });
  const connect = await fleet.connect(64);
  // Pre-sign enough for the connector to run at 1.5× the single-core ceiling for the whole run.
  const perAgent = Math.ceil((ceilingPerSecond * 1.5 * replicas.length * opts.ingestSeconds) / Math.max(1, connect.connected)) + opts.window;
  log(`ingest: ${connect.connected} agents, pre-signing ${perAgent} snapshots each`);
  const presigned = await fleet.presign(perAgent);
  const warmupMs = 2000;
  if (opts.profile) await Promise.all(replicas.map((r) => r.child.request({ type: "profileStart" }, "profiling")));
  await Promise.all(replicas.map((r) => r.child.request({ type: "batches" }, "batches")));
  log(`ingest: pushing for ${opts.ingestSeconds} s (window ${opts.window} per agent)`);
  const reports = await fleet.ingest(warmupMs, warmupMs + opts.ingestSeconds * 1000, opts.window);
  let profile: ProfileEntry[] | undefined;
  if (opts.profile) {
    const file = join(opts.profile, `connector-ingest-${Date.now()}.cpuprofile`);
    await replicas[0]!.child.request({ type: "profileStop", file } as never, "profiled");
    profile = summarizeProfile(JSON.parse(readFileSync(file, "utf8")));
    report.notes.push(`ingest CPU profile: ${file}`);
    for (const r of replicas.slice(1)) await r.child.request({ type: "profileStop" }, "profiled");
  }
  const batchStats = await Promise.all(replicas.map((r) => r.child.request<{ count: number; snapshots: number; ms: number }>({ type: "batches" }, "batches")));
  const batchCount = batchStats.reduce((n, b) => n + b.count, 0);
  const batches = {
    transactions: batchCount,
    snapshotsPerTransaction: batchStats.reduce((n, b) => n + b.snapshots, 0) / Math.max(1, batchCount),
    msPerTransaction: batchStats.reduce((n, b) => n + b.ms, 0) / Math.max(1, batchCount),
  };
  await fleet.close();
  const ackedInWindow = reports.reduce((n, r) => n + r.ackedInWindow, 0);
  const perSecond = ackedInWindow / opts.ingestSeconds;
  const errors: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const exhausted = reports.reduce((n, r) => n + r.exhausted, 0);
  if (exhausted > 0) report.notes.push(`ingest: agents ran out of pre-signed snapshots ${exhausted} times — the figure is a lower bound`);
  return {
    agents: connect.connected,
    window: opts.window,
    presignSeconds: presigned.ms / 1000,
    seconds: opts.ingestSeconds,
    acked: ackedInWindow,
    perSecond,
    ceilingPerSecond,
    ratioToCeiling: perSecond / (ceilingPerSecond * replicas.length),
    ackLatencyMs: percentiles(reports.flatMap((r) => r.latencies)),
    batches,
    errors,
    profile,
  };
}

async function lookupRun(devices: EnrolledDevice[], restUrls: string[], apiToken: string) {
  const auth = { authorization: `Bearer ${apiToken}` };
  const pick = (i: number) => devices[(i * 2654435761) % devices.length]!.deviceId;
  log(`lookup: GET /v1/devices/{id} open loop at ${opts.rate}/s for ${opts.lookupSeconds} s over ${devices.length} devices`);
  const get = await runOpenLoop({
    url: restUrls[0]!,
    method: "GET",
    path: (i) => `/v1/devices/${pick(i)}`,
    headers: auth,
    ratePerSecond: opts.rate,
    durationMs: opts.lookupSeconds * 1000,
  });
  let check: OpenLoopResult | { skipped: string };
  let endpointCheckProfile: ProfileEntry[] | undefined;
  const policy = await fetch(`${restUrls[0]}/v1/device-assurances`, {
    method: "POST",
    headers: { authorization: `Bearer ${replicas[0]!.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench: Linux baseline", platform: "LINUX", firewallEnabled: true, secureBootEnabled: true }),
  });
  if (policy.status === 404) {
    check = { skipped: "this connector has no device-assurance policies (POST /v1/device-assurances answered 404)" };
    log(`lookup: ${check.skipped}`);
  } else {
    const policyBody = (await policy.json()) as { id?: string };
    if (policy.status !== 201 && policy.status !== 200) throw new Error(`creating the bench policy failed: ${policy.status} ${JSON.stringify(policyBody)}`);
    const policies = [policyBody.id!];
    log(`lookup: POST /v1/endpoint/check open loop at ${opts.rate}/s against one policy`);
    if (opts.profile) await replicas[0]!.child.request({ type: "profileStart" }, "profiling");
    check = await runOpenLoop({
      url: restUrls[0]!,
      method: "POST",
      path: () => "/v1/endpoint/check",
      body: (i) => JSON.stringify({ device: pick(i), policies, mode: "lookup" }),
      headers: auth,
      ratePerSecond: opts.rate,
      durationMs: opts.lookupSeconds * 1000,
    });
    if (opts.profile) {
      const file = join(opts.profile, `connector-endpoint-check-${Date.now()}.cpuprofile`);
      await replicas[0]!.child.request({ type: "profileStop", file } as never, "profiled");
      endpointCheckProfile = summarizeProfile(JSON.parse(readFileSync(file, "utf8")));
      report.notes.push(`endpoint check CPU profile: ${file}`);
    }
  }

  const id = devices[0]!.deviceId;
  log(`lookup: max throughput, connector vs bare hono route (${opts.connections} connections, ${opts.maxSeconds} s each)`);
  if (opts.profile) await replicas[0]!.child.request({ type: "profileStart" }, "profiling");
  const connectorMax = await cannon(`${restUrls[0]}/v1/devices/${id}`, auth);
  let profile: ProfileEntry[] | undefined;
  if (opts.profile) {
    const file = join(opts.profile, `connector-lookup-${Date.now()}.cpuprofile`);
    await replicas[0]!.child.request({ type: "profileStop", file } as never, "profiled");
    profile = summarizeProfile(JSON.parse(readFileSync(file, "utf8")));
    report.notes.push(`lookup CPU profile: ${file}`);
  }
  const json = await (await fetch(`${restUrls[0]}/v1/devices/${id}`, { headers: auth })).text();
  const bare = spawnChild(benchScript("baseline-server.ts"), { args: ["hono"] });
  const { port } = await bare.next<{ port: number }>("listening");
  await bare.request({ type: "setJson", json } as never, "ok");
  const bareMax = await cannon(`http://127.0.0.1:${port}/v1/devices/${id}`, {});
  await bare.kill();
  return {
    devices: devices.length,
    responseBytes: Buffer.byteLength(json),
    get: summarizeOpenLoop(get),
    endpointCheck: "skipped" in check ? check : summarizeOpenLoop(check),
    max: { connector: connectorMax, bare: bareMax, ratio: connectorMax.requestsPerSecond / bareMax.requestsPerSecond },
    profile,
    endpointCheckProfile,
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

function summarizeOpenLoop(r: OpenLoopResult): OpenLoopSummary {
  if (r.overloaded) report.notes.push(`lookup: ${r.overloaded}`);
  return {
    rate: opts.rate, achieved: r.achievedRate, latencyMs: r.latencyMs, firstSecondMs: r.firstSecondMs, afterFirstSecondMs: r.afterFirstSecondMs,
    statuses: r.statuses, errors: r.errors, ...(r.overloaded ? { overloaded: r.overloaded } : {}),
  };
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
