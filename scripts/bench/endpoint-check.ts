/**
 * `npm run bench:endpoint`: latency and main-thread CPU of `POST /v1/endpoint/check` over 1,000
 * calls against a connector holding 1,000 devices, beside a bare hono route measured the same way
 * in the same run (the machine is shared: compare ratios, not absolute figures across runs).
 *
 * The connector runs in its own process on a SQLite file. Up to 2,000 devices are enrolled through
 * the REST API and push one real signed snapshot each over the agent socket (then disconnect, so
 * no refresh is involved); larger fleets are seeded through the store before the connector starts
 * (the same enrollment, snapshot and binding writes, with real signed snapshot bodies, without a
 * connection per device). A realistic Linux policy (dynamic OS version with patch level, disk
 * encryption, firewall, Secure Boot, one CEL custom check) is created over REST. Calls then run
 * closed-loop, one at a time (latency) and 8 at a time (throughput), naming devices by id, serial
 * and username in turn, spread over the whole fleet. CPU per call is the server process's main
 * thread (utime + stime of /proc/<pid>/task/<pid>/stat) over a phase, divided by its calls.
 * Results are printed and written to bench-results/endpoint-check.json.
 *
 *   npm run bench:endpoint -- [--devices 1000] [--calls 1000]
 *   FACET_BENCH_PROFILE=1 npm run bench:endpoint   # also prints the connector's hottest functions and
 *                                                  # keeps the profile (bench-results/endpoint-check.cpuprofile)
 */
import { randomBytes, sign } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { builtConnectorHarness } from "./built-connector.ts";
import { benchScript, spawnChild } from "./child.ts";
import { madeAtIngest } from "./made-at-ingest.ts";
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { openSqliteStore } from "../../connector/store/sqlite/index.ts";
import { issueEnrollToken } from "../../connector/tokens/issue.ts";
import { hashSecret, newDeviceId } from "../../connector/tokens/secrets.ts";
import { domainMessage } from "../../shared/signing/domains.ts";
import { benchKeyFromSeed, generateBenchKey } from "./device-keys.ts";
import { benchFacts, benchUnknown } from "./facts-document.ts";
import { createApiToken, createEnrollToken, enrollDevices, type EnrolledDevice } from "./fleet.ts";
import { authFrame, canonicalSnapshotBody, signedSnapshotFrame, snapshotTemplate } from "./snapshot-frames.ts";
import { percentiles, type Percentiles } from "./stats.ts";
import { clockTicks, statFields } from "./thread-cpu.ts";

/** The view a verify thread renders at ingest (agent-channel/frame-verdict.ts): from the signed body as parsed. */
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const DEVICES = arg("devices", 1000);
const CALLS = arg("calls", 1000);
const log = (text: string) => process.stderr.write(`${text}\n`);
/** Above this many devices the fleet is seeded through the store rather than over REST and the agent socket. */
const REST_SETUP_MAX = 2000;

/** CPU time (ms) the process's main thread has used, in user and kernel mode: its first task's stat. */
function mainThreadCpuMs(pid: number): { user: number; system: number } {
  const { utime, stime } = statFields(readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8"));
  const msPerTick = 1000 / clockTicks();
  return { user: utime * msPerTick, system: stime * msPerTick };
}

/**
 * Enrolls `count` devices, stores one signed snapshot each and binds each to its user, through the
 * store the connector will open: the writes POST /v1/enroll, the agent channel and
 * POST /v1/devices/{id}/users make, in batches.
 */
async function seedThroughStore(database: string, count: number): Promise<EnrolledDevice[]> {
  // Written on a memory file system (no fsync cost per enrollment), then copied where the connector opens it.
  const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "facet-bench-seed-"));
  const store = openSqliteStore(join(scratch, "facet.db"));
  try {
    const now = Date.now();
    const { secret } = await issueEnrollToken(store, { label: "bench seed" }, now);
    const hash = hashSecret(secret);
    const out: EnrolledDevice[] = [];
    for (let start = 0; start < count; start += 500) {
      const batch = [];
      for (let index = start; index < Math.min(count, start + 500); index++) {
        const key = generateBenchKey();
        const publicKey = key.publicKeyRaw.toString("base64");
        const facts = benchFacts(index);
        const enrolled = await store.enrollDevice(hash, {
          id: newDeviceId(), name: null, publicKey, platform: "linux", serial: null, manufacturer: null, model: null, machineId: null,
          hardwareUuid: null, hostname: facts.network?.hostname ?? null, username: `user${index}`, enrolledAt: now, revokedAt: null, lastSeq: 0, lastSeenAt: null,
        }, now);
        if (!enrolled.ok) throw new Error(`seed enrollment failed: ${enrolled.reason}`);
        const deviceId = enrolled.device.id;
        const collectedAt = new Date(now).toISOString();
        const body = canonicalSnapshotBody(snapshotTemplate(deviceId, "0.1.0-bench", facts, benchUnknown()), 1, collectedAt, randomBytes(16).toString("base64url"));
        const signature = sign(null, domainMessage("snapshot", Buffer.from(body, "utf8")), key.privateKey).toString("base64");
        // From the signed body, as a verify thread reads it.
        const signed = JSON.parse(body) as { facts: Facts; unknown: Unknown };
        batch.push({ snapshot: { deviceId, seq: 1, collectedAt: now, receivedAt: now, body, signature, facts, unknown: benchUnknown() }, events: [], ...madeAtIngest(signed.facts, signed.unknown) });
        out.push({ deviceId, index, seed: key.seed.toString("base64"), publicKey });
      }
      const results = await store.writeSnapshots(batch);
      if (results.some((r) => r !== "accepted")) throw new Error(`seed snapshots refused: ${results.join(", ")}`);
      for (const { deviceId, index } of out.slice(start)) {
        await store.bindUser(
          { deviceId, username: `user${index}`, source: "admin", boundBy: "bench", boundAt: now },
          { type: "device.user_bound", at: now, deviceId, data: { username: `user${index}`, source: "admin", by: "bench" } },
        );
      }
      if (start % 10_000 === 0) log(`setup: ${start + batch.length} of ${count} devices seeded`);
    }
    await store.close();
    for (const suffix of ["", "-wal"]) if (existsSync(join(scratch, `facet.db${suffix}`))) copyFileSync(join(scratch, `facet.db${suffix}`), `${database}${suffix}`);
    return out;
  } finally {
    await store.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One agent session: hello → auth → welcome → signed snapshot → ack → close. */
function pushSnapshot(agentUrl: string, device: EnrolledDevice): Promise<void> {
  const key = benchKeyFromSeed(Buffer.from(device.seed, "base64"), Buffer.from(device.publicKey, "base64"));
  const template = snapshotTemplate(device.deviceId, "0.1.0-bench", benchFacts(device.index), benchUnknown());
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(agentUrl);
    let nonce = "";
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`device ${device.index}: no ack in 10 s`))), 10_000);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      ws.close();
      if (error) reject(error);
      else resolve();
    };
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; nonce?: string; code?: string; message?: string };
      if (frame.type === "hello") {
        nonce = frame.nonce!;
        ws.send(authFrame(device.deviceId, nonce, key.privateKey, "0.1.0-bench"));
      } else if (frame.type === "welcome") ws.send(signedSnapshotFrame(template, key.privateKey, 1, nonce), { binary: false });
      else if (frame.type === "ack") finish();
      else if (frame.type === "error") finish(new Error(`device ${device.index}: ${frame.code}: ${frame.message}`));
    });
    ws.on("error", (e) => (clearTimeout(timer), reject(e)));
  });
}

async function inLanes<T>(items: T[], lanes: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "facet-bench-endpoint-"));
  const database = join(dir, "facet.db");
  const started = performance.now();
  const seeded = DEVICES > REST_SETUP_MAX ? (log(`setup: seeding ${DEVICES} devices through the store`), await seedThroughStore(database, DEVICES)) : null;
  const connector = spawnChild(await builtConnectorHarness(), { plain: true, args: [database, JSON.stringify({ framesPerSecond: 1000, frameBurst: 1000 })] });
  const baseline = spawnChild(benchScript("baseline-server.ts"), { args: ["hono"] });
  try {
    const { url, agentUrl, adminToken, pid } = await connector.next<{ url: string; agentUrl: string; adminToken: string; pid: number }>("listening");
    const { port: baselinePort } = await baseline.next<{ port: number }>("listening");
    let devices: EnrolledDevice[];
    if (seeded) devices = seeded;
    else {
      log(`setup: enrolling ${DEVICES} devices and pushing one signed snapshot each`);
      const enrollToken = await createEnrollToken(url, adminToken, DEVICES);
      devices = await enrollDevices([url], enrollToken, DEVICES);
      await inLanes(devices, 32, (d) => pushSnapshot(agentUrl, d));
      // Users are matched only through bindings by an authority: bind each device as an admin would.
      await inLanes(devices, 32, async (d) => {
        const res = await fetch(`${url}/v1/devices/${d.deviceId}/users`, { method: "POST", headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" }, body: JSON.stringify({ username: `user${d.index}` }) });
        if (res.status !== 201) throw new Error(`binding a user failed: ${res.status}`);
      });
    }
    log(`setup: ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const policyRes = await fetch(`${url}/v1/device-assurances`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "Linux baseline",
        platform: "LINUX",
        osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } },
        diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] },
        firewallEnabled: true,
        secureBootEnabled: true,
        gracePeriod: { type: "BY_DURATION", expiry: "P7D" },
        customChecks: [{ name: "corporate-hostname", expression: 'facts.network.hostname.startsWith("lt-")', message: "This device is not a company laptop." }],
      }),
    });
    const policy = (await policyRes.json()) as { id: string };
    if (policyRes.status !== 200) throw new Error(`creating the policy failed: ${JSON.stringify(policy)}`);
    const token = await createApiToken(url, adminToken, ["endpoint:check"]);

    // Calls spread over the whole fleet (a stride coprime with the fleet size), so a fleet larger
    // than a cache is read as sign-ins would read it, not as the same few devices over and over.
    const stride = DEVICES % 7919 === 0 ? 7907 : 7919;
    const bodyOf = (i: number): string => {
      const d = devices[(i * stride) % devices.length]!;
      const by = i % 3;
      const who = by === 0 ? { device: d.deviceId } : by === 1 ? { serial: benchFacts(d.index).hardware!.serial! } : { username: `user${d.index}` };
      return JSON.stringify({ ...who, policies: [policy.id], mode: "lookup" });
    };
    const statuses: Record<string, number> = {};
    let passing = 0;
    let lastBody = "";
    const call = async (i: number): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/endpoint/check`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: bodyOf(i) });
      lastBody = await res.text();
      const ms = performance.now() - t0;
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if ((JSON.parse(lastBody) as { passing?: boolean }).passing) passing += 1;
      return ms;
    };
    // The bare hono route answers a GET with a check's answer as a fixed body: HTTP, routing and
    // the response, without auth, body, store or evaluation.
    const callBaseline = async (): Promise<number> => {
      const t0 = performance.now();
      await (await fetch(`http://127.0.0.1:${baselinePort}/v1/devices/x`, { headers: { authorization: `Bearer ${token}` } })).text();
      return performance.now() - t0;
    };

    // Warm: every device the measured calls name has been checked once (its first verdict stored).
    log(`warm-up: ${CALLS} calls, the devices the measured calls name`);
    await inLanes(Array.from({ length: CALLS }, (_, i) => i), 8, async (i) => void (await call(i)));
    await baseline.request({ type: "setJson", json: Buffer.from(lastBody).toString("base64") } as never, "ok");
    for (let i = 0; i < 200; i++) await callBaseline();
    for (const k of Object.keys(statuses)) delete statuses[k];
    passing = 0;

    /** Runs `calls` calls `lanes` at a time; latencies, calls per second and main-thread CPU µs per call. */
    const phase = async (serverPid: number, lanes: number, work: (i: number) => Promise<number>) => {
      const latencies: number[] = [];
      const cpu0 = mainThreadCpuMs(serverPid);
      const t0 = performance.now();
      await inLanes(Array.from({ length: CALLS }, (_, i) => i), lanes, async (i) => void latencies.push(await work(i)));
      const seconds = (performance.now() - t0) / 1000;
      const cpu1 = mainThreadCpuMs(serverPid);
      const perCall = (ms: number) => Math.round((ms * 1000) / CALLS);
      return { latencies, callsPerSecond: Math.round(CALLS / seconds), cpuUsPerCall: perCall(cpu1.user + cpu1.system - cpu0.user - cpu0.system), cpuUserUsPerCall: perCall(cpu1.user - cpu0.user) };
    };

    log(`sequential: ${CALLS} calls, one at a time (bare hono, then the connector)`);
    const seqBaseline = await phase(baseline.process.pid!, 1, callBaseline);
    const sequential = await phase(pid, 1, call);
    const seqStatuses = { ...statuses };
    const seqPassing = passing;

    log(`concurrent: ${CALLS} calls, 8 in flight (bare hono, then the connector)`);
    const conBaseline = await phase(baseline.process.pid!, 8, callBaseline);
    const profileFile = process.env.FACET_BENCH_PROFILE ? join(dir, "endpoint.cpuprofile") : null;
    if (profileFile) await connector.request({ type: "profileStart" }, "profiling");
    const concurrent = await phase(pid, 8, call);
    if (profileFile) {
      await connector.request({ type: "profileStop", file: profileFile } as never, "profiled");
      const { summarizeProfile } = await import("./profile-summary.ts");
      log(JSON.stringify(summarizeProfile(JSON.parse(readFileSync(profileFile, "utf8")), 25), null, 1));
      mkdirSync("bench-results", { recursive: true });
      copyFileSync(profileFile, "bench-results/endpoint-check.cpuprofile");
    }

    const round = (p: Percentiles) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, k === "count" ? v : Math.round(v * 100) / 100]));
    const report = {
      devices: DEVICES,
      calls: CALLS,
      policy: "LINUX: EXACT_ANY_SUPPORTED + latestSecurityPatch, ALL_INTERNAL_VOLUMES, firewall, Secure Boot, 1 CEL check (hostname), P7D grace",
      identification: "1/3 device id, 1/3 serial, 1/3 username",
      sequential: {
        latencyMs: round(percentiles(sequential.latencies)), callsPerSecond: sequential.callsPerSecond, mainThreadCpuUsPerCall: sequential.cpuUsPerCall, userCpuUsPerCall: sequential.cpuUserUsPerCall, statuses: seqStatuses, passing: seqPassing,
        bareHono: { latencyMs: round(percentiles(seqBaseline.latencies)), callsPerSecond: seqBaseline.callsPerSecond, mainThreadCpuUsPerCall: seqBaseline.cpuUsPerCall, userCpuUsPerCall: seqBaseline.cpuUserUsPerCall },
      },
      concurrent8: {
        latencyMs: round(percentiles(concurrent.latencies)), callsPerSecond: concurrent.callsPerSecond, mainThreadCpuUsPerCall: concurrent.cpuUsPerCall, userCpuUsPerCall: concurrent.cpuUserUsPerCall,
        bareHono: { latencyMs: round(percentiles(conBaseline.latencies)), callsPerSecond: conBaseline.callsPerSecond, mainThreadCpuUsPerCall: conBaseline.cpuUsPerCall, userCpuUsPerCall: conBaseline.cpuUserUsPerCall },
      },
      node: process.version,
      at: new Date().toISOString(),
    };
    mkdirSync("bench-results", { recursive: true });
    writeFileSync("bench-results/endpoint-check.json", `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await baseline.kill();
    await connector.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
