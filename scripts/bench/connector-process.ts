/**
 * One connector replica for the bench, in its own process so its CPU and memory are measured
 * alone. Started with a database location and limit overrides; answers IPC requests for its
 * memory, row counts and a CPU profile of a chosen phase.
 *
 *   tsx scripts/bench/connector-process.ts <database> '<limits JSON>' [port]
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { writeHeapSnapshot } from "node:v8";
import { createConnector, type ConnectorOptions } from "../../connector/app.ts";
import { hashSecret, newDeviceId, newSecret, newTokenId } from "../../connector/tokens/secrets.ts";
import { issueEnrollToken } from "../../connector/tokens/issue.ts";
import type { ConnectorLimits } from "../../connector/options.ts";

const [database, limitsJson = "{}", portArg = "0"] = process.argv.slice(2);
if (!database) {
  console.error("usage: connector-process.ts <database> [limits JSON] [port]");
  process.exit(2);
}

const options: ConnectorOptions = {
  database,
  port: Number(portArg),
  limits: JSON.parse(limitsJson) as Partial<ConnectorLimits>,
};
const connector = await createConnector(options);

// The bench's own admin token, minted straight into the store like the first-start bootstrap.
const adminToken = newSecret("api");
await connector.store.createApiToken({ id: newTokenId(), name: `bench-admin-${process.pid}`, scopes: ["admin"], createdAt: Date.now(), revokedAt: null }, hashSecret(adminToken));

// Batch statistics of the ingest path (how many snapshots share one transaction, and what a
// transaction costs), read by wrapping the store method the batcher calls.
const batches = { count: 0, snapshots: 0, ms: 0 };
const writeSnapshots = connector.store.writeSnapshots.bind(connector.store);
connector.store.writeSnapshots = async (batch) => {
  const t0 = performance.now();
  try {
    return await writeSnapshots(batch);
  } finally {
    batches.count += 1;
    batches.snapshots += batch.length;
    batches.ms += performance.now() - t0;
  }
};

let profiler: Session | null = null;

process.on("message", (raw) => {
  const message = raw as { type: string; file?: string; devices?: { publicKey: string; hostname: string; username: string }[] };
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
        if (result && message.file) writeFileSync(message.file, JSON.stringify(result.profile));
        process.send?.({ type: "profiled", file: message.file ?? null });
        break;
      }
      case "heapSnapshot":
        // For finding what each idle session retains (`--heap-snapshot <dir>` in main.ts).
        globalThis.gc?.();
        process.send?.({ type: "heapSnapshotted", file: writeHeapSnapshot(message.file) });
        break;
      case "close":
        await connector.close();
        process.send?.({ type: "closed" });
        setTimeout(() => process.exit(0), 20);
        break;
    }
  })();
});
process.on("disconnect", () => void connector.close().finally(() => process.exit(0)));

process.send?.({ type: "listening", url: connector.url, agentUrl: connector.agentUrl, port: connector.port, adminToken, pid: process.pid });
