/**
 * `npm run bench:endpoint`: latency of `POST /v1/endpoint/check` over 1,000 calls against a
 * connector holding 1,000 devices.
 *
 * The connector runs in its own process on a SQLite file. Devices are enrolled through the REST
 * API and push one real signed snapshot each over the agent socket (then disconnect, so no refresh
 * is involved). A realistic Linux policy (dynamic OS version with patch level, disk encryption,
 * firewall, Secure Boot, one CEL custom check) is created over REST. Calls then run closed-loop,
 * one at a time (latency) and 8 at a time (throughput), naming devices by id, serial and username
 * in turn. Results are printed and written to bench-results/endpoint-check.json.
 *
 *   npm run bench:endpoint -- [--devices 1000] [--calls 1000]
 *   FACET_BENCH_PROFILE=1 npm run bench:endpoint   # also prints the connector's hottest functions
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { benchScript, spawnChild } from "./child.ts";
import { benchKeyFromSeed } from "./device-keys.ts";
import { benchFacts, benchUnknown } from "./facts-document.ts";
import { createApiToken, createEnrollToken, enrollDevices, type EnrolledDevice } from "./fleet.ts";
import { authFrame, signedSnapshotFrame, snapshotTemplate } from "./snapshot-frames.ts";
import { percentiles, type Percentiles } from "./stats.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const DEVICES = arg("devices", 1000);
const CALLS = arg("calls", 1000);
const log = (text: string) => process.stderr.write(`${text}\n`);

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
  const connector = spawnChild(benchScript("connector-process.ts"), { args: [join(dir, "facet.db"), JSON.stringify({ framesPerSecond: 1000, frameBurst: 1000 })] });
  try {
    const { url, agentUrl, adminToken } = await connector.next<{ url: string; agentUrl: string; adminToken: string }>("listening");
    const started = performance.now();
    log(`setup: enrolling ${DEVICES} devices and pushing one signed snapshot each`);
    const enrollToken = await createEnrollToken(url, adminToken, DEVICES);
    const devices = await enrollDevices([url], enrollToken, DEVICES);
    await inLanes(devices, 32, (d) => pushSnapshot(agentUrl, d));
    // Users are matched only through bindings by an authority: bind each device as an admin would.
    await inLanes(devices, 32, async (d) => {
      const res = await fetch(`${url}/v1/devices/${d.deviceId}/users`, { method: "POST", headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" }, body: JSON.stringify({ username: `user${d.index}` }) });
      if (res.status !== 201) throw new Error(`binding a user failed: ${res.status}`);
    });
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

    const facts = devices.map((d) => benchFacts(d.index));
    const bodies = devices.map((d, i) => {
      const by = i % 3;
      const who = by === 0 ? { device: d.deviceId } : by === 1 ? { serial: facts[i]!.hardware!.serial! } : { username: `user${d.index}` };
      return JSON.stringify({ ...who, policies: [policy.id], mode: "lookup" });
    });
    const statuses: Record<string, number> = {};
    let passing = 0;
    const call = async (i: number): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/endpoint/check`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: bodies[i % bodies.length] });
      const body = (await res.json()) as { passing?: boolean };
      const ms = performance.now() - t0;
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (body.passing) passing += 1;
      return ms;
    };

    log("warm-up: 200 calls");
    for (let i = 0; i < 200; i++) await call(i * 7);
    for (const k of Object.keys(statuses)) delete statuses[k];
    passing = 0;

    log(`sequential: ${CALLS} calls, one at a time`);
    const sequential: number[] = [];
    const seqStart = performance.now();
    for (let i = 0; i < CALLS; i++) sequential.push(await call(i));
    const seqSeconds = (performance.now() - seqStart) / 1000;
    const seqStatuses = { ...statuses };
    const seqPassing = passing;

    log(`concurrent: ${CALLS} calls, 8 in flight`);
    const profileFile = process.env.FACET_BENCH_PROFILE ? join(dir, "endpoint.cpuprofile") : null;
    if (profileFile) await connector.request({ type: "profileStart" }, "profiling");
    const concurrent: number[] = [];
    const conStart = performance.now();
    await inLanes(Array.from({ length: CALLS }, (_, i) => i), 8, async (i) => void concurrent.push(await call(i)));
    const conSeconds = (performance.now() - conStart) / 1000;
    if (profileFile) {
      await connector.request({ type: "profileStop", file: profileFile } as never, "profiled");
      const { summarizeProfile } = await import("./profile-summary.ts");
      log(JSON.stringify(summarizeProfile(JSON.parse(readFileSync(profileFile, "utf8")), 25), null, 1));
    }

    const round = (p: Percentiles) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, k === "count" ? v : Math.round(v * 100) / 100]));
    const report = {
      devices: DEVICES,
      calls: CALLS,
      policy: "LINUX: EXACT_ANY_SUPPORTED + latestSecurityPatch, ALL_INTERNAL_VOLUMES, firewall, Secure Boot, 1 CEL check (hostname), P7D grace",
      identification: "1/3 device id, 1/3 serial, 1/3 username",
      sequential: { latencyMs: round(percentiles(sequential)), callsPerSecond: Math.round(CALLS / seqSeconds), statuses: seqStatuses, passing: seqPassing },
      concurrent8: { latencyMs: round(percentiles(concurrent)), callsPerSecond: Math.round(CALLS / conSeconds) },
      node: process.version,
      at: new Date().toISOString(),
    };
    mkdirSync("bench-results", { recursive: true });
    writeFileSync("bench-results/endpoint-check.json", `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await connector.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
