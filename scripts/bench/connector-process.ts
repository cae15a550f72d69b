/**
 * One connector replica for the bench, in its own process so its CPU and memory are measured
 * alone. Started with a database location and limit overrides; answers IPC requests for its
 * memory, row counts, a CPU profile of a chosen phase, whether it is idle, which OS threads are
 * its workers, and stores devices' snapshots straight through the store for large fleets.
 *
 *   tsx scripts/bench/connector-process.ts <database> '<limits JSON>' [port]   (the bench runs it bundled: built-connector.ts)
 */
// First: it wraps worker_threads.Worker before the connector starts any worker.
import { madeAtIngest } from "./made-at-ingest.ts";
import { workerThreadLabels } from "./thread-labels.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Session } from "node:inspector/promises";
import { writeHeapSnapshot } from "node:v8";
import { createConnector, type ConnectorOptions } from "../../connector/app.ts";
import { openStore } from "../../connector/store/open.ts";
import { hashSecret, newDeviceId, newSecret, newTokenId } from "../../connector/tokens/secrets.ts";
import { issueEnrollToken } from "../../connector/tokens/issue.ts";
import type { ConnectorLimits } from "../../connector/options.ts";
import type { SnapshotWrite } from "../../connector/store/types.ts";
import type { SnapshotBody } from "../../shared/protocol/snapshot.ts";
import { benchKeyFromSeed } from "./device-keys.ts";
import { signedSnapshotFrame } from "./snapshot-frames.ts";
import { templateFor, type SnapshotSize } from "./snapshot-sizes.ts";
import type { WorkerDevice } from "./worker-protocol.ts";

const [database, limitsJson = "{}", portArg = "0"] = process.argv.slice(2);
if (!database) {
  console.error("usage: connector-process.ts <database> [limits JSON] [port]");
  process.exit(2);
}

// The store is opened here so its batch writes can be counted (below) before the connector's
// instrumentation wraps it; the connector then does not own it, so "close" closes it after.
const store = await openStore(database);
// Batch statistics of the ingest path (how many snapshots share one transaction, and what a
// transaction costs), read by wrapping the store method the batcher calls.
const batches = { count: 0, snapshots: 0, ms: 0 };
const writeSnapshots = store.writeSnapshots.bind(store);
store.writeSnapshots = async (batch) => {
  const t0 = performance.now();
  try {
    return await writeSnapshots(batch);
  } finally {
    batches.count += 1;
    batches.snapshots += batch.length;
    batches.ms += performance.now() - t0;
  }
};
const options: ConnectorOptions = {
  store,
  port: Number(portArg),
  limits: JSON.parse(limitsJson) as Partial<ConnectorLimits>,
};
const connector = await createConnector(options);
const closeAll = async (): Promise<void> => {
  await connector.close();
  await store.close();
};

// The bench's own admin token, minted straight into the store like the first-start bootstrap.
const adminToken = newSecret("api");
await connector.store.createApiToken({ id: newTokenId(), name: `bench-admin-${process.pid}`, scopes: ["admin"], createdAt: Date.now(), revokedAt: null }, hashSecret(adminToken));


let profiler: Session | null = null;

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

/**
 * Waits until the process is quiet: over `windowMs`, under `maxCpu` of a core (all threads) and
 * no event-loop stall beyond `maxDelayMs`, twice in a row; gives up after `timeoutMs` and says so.
 */
async function waitIdle(windowMs: number, maxCpu: number, maxDelayMs: number, timeoutMs: number) {
  const started = performance.now();
  let quietWindows = 0;
  let last = { cpu: NaN, delayMs: NaN };
  while (performance.now() - started < timeoutMs) {
    loopDelay.reset();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    const used = process.cpuUsage(cpu0);
    last = { cpu: (used.user + used.system) / 1000 / (performance.now() - t0), delayMs: loopDelay.max / 1e6 };
    quietWindows = last.cpu <= maxCpu && last.delayMs <= maxDelayMs ? quietWindows + 1 : 0;
    if (quietWindows >= 2) return { idle: true, waitedMs: performance.now() - started, ...last };
  }
  return { idle: false, waitedMs: performance.now() - started, ...last };
}

/**
 * Each device's first snapshot, signed with its own key and written in store batches as ingest
 * would; a few batches in flight so signing here overlaps the writer thread's commits.
 */
async function storeSnapshots(devices: WorkerDevice[], size: SnapshotSize): Promise<number> {
  const collectedAt = new Date().toISOString();
  const inFlight = new Set<Promise<void>>();
  let accepted = 0;
  for (let start = 0; start < devices.length; start += 64) {
    const batch: SnapshotWrite[] = devices.slice(start, start + 64).map((d) => {
      const key = benchKeyFromSeed(Buffer.from(d.seed, "base64"), Buffer.from(d.publicKey, "base64"));
      const frame = JSON.parse(signedSnapshotFrame(templateFor(size, d.deviceId, d.index, "0.1.0-bench"), key.privateKey, 1, "seeded", collectedAt).toString("utf8")) as { body: string; signature: string };
      const body = JSON.parse(frame.body) as SnapshotBody;
      return {
        snapshot: { deviceId: d.deviceId, seq: body.seq, collectedAt: Date.parse(collectedAt), receivedAt: Date.now(), body: frame.body, signature: frame.signature, facts: body.facts, unknown: body.unknown },
        events: [],
        ...madeAtIngest(body.facts, body.unknown),
      };
    });
    const write: Promise<void> = connector.store.writeSnapshots(batch).then((results) => {
      accepted += results.filter((r) => r === "accepted").length;
      inFlight.delete(write);
    });
    inFlight.add(write);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return accepted;
}

process.on("message", (raw) => {
  const message = raw as {
    type: string; file?: string; devices?: { publicKey: string; hostname: string; username: string }[]; snapshots?: WorkerDevice[]; size?: SnapshotSize;
    windowMs?: number; maxCpu?: number; maxDelayMs?: number; timeoutMs?: number;
  };
  void (async () => {
    switch (message.type) {
      case "status": {
        globalThis.gc?.();
        const m = process.memoryUsage();
        process.send?.({ type: "status", rss: m.rss, heapUsed: m.heapUsed, agents: connector.hub.size });
        break;
      }
      case "seed": {
        // Bulk enrollment for large fleets: the same store transaction POST /v1/enroll runs
        // (token use counted, device inserted, device.enrolled event), without HTTP in front.
        const now = Date.now();
        const token = await issueEnrollToken(connector.store, { label: "bench seed" }, now);
        const hash = hashSecret(token.secret);
        const deviceIds: string[] = [];
        for (const d of message.devices ?? []) {
          const outcome = await connector.store.enrollDevice(
            hash,
            {
              id: newDeviceId(), name: d.hostname, publicKey: d.publicKey, platform: "linux", serial: null, manufacturer: null, model: null,
              machineId: null, hardwareUuid: null, hostname: d.hostname, username: d.username, enrolledAt: now, revokedAt: null, lastSeq: 0, lastSeenAt: null,
            },
            now,
          );
          if (!outcome.ok) throw new Error(`seed enrollment failed: ${outcome.reason}`);
          deviceIds.push(outcome.device.id);
        }
        process.send?.({ type: "seeded", deviceIds });
        break;
      }
      case "storeSnapshots":
        process.send?.({ type: "storedSnapshots", accepted: await storeSnapshots(message.snapshots ?? [], message.size ?? "real") });
        break;
      case "waitIdle":
        process.send?.({ type: "idle", ...(await waitIdle(message.windowMs ?? 500, message.maxCpu ?? 0.1, message.maxDelayMs ?? 50, message.timeoutMs ?? 30_000)) });
        break;
      case "threads":
        process.send?.({ type: "threads", labels: [...workerThreadLabels()] });
        break;
      case "batches":
        process.send?.({ type: "batches", ...batches });
        batches.count = batches.snapshots = batches.ms = 0;
        break;
      case "counts":
        process.send?.({ type: "counts", counts: await connector.store.counts() });
        break;
      case "profileStart":
        profiler = new Session();
        profiler.connect();
        await profiler.post("Profiler.enable");
        await profiler.post("Profiler.setSamplingInterval", { interval: 500 });
        await profiler.post("Profiler.start");
        process.send?.({ type: "profiling" });
        break;
      case "profileStop": {
        const result = profiler ? await profiler.post("Profiler.stop") : null;
        profiler?.disconnect();
        profiler = null;
        if (result && message.file) {
          mkdirSync(dirname(message.file), { recursive: true });
          writeFileSync(message.file, JSON.stringify(result.profile));
        }
        process.send?.({ type: "profiled", file: message.file ?? null });
        break;
      }
      case "heapSnapshot":
        // For finding what each idle session retains (`--heap-snapshot <dir>` in main.ts).
        globalThis.gc?.();
        process.send?.({ type: "heapSnapshotted", file: writeHeapSnapshot(message.file) });
        break;
      case "close":
        await closeAll();
        process.send?.({ type: "closed" });
        setTimeout(() => process.exit(0), 20);
        break;
    }
  })();
});
process.on("disconnect", () => void closeAll().finally(() => process.exit(0)));

process.send?.({ type: "listening", url: connector.url, agentUrl: connector.agentUrl, port: connector.port, adminToken, pid: process.pid });
