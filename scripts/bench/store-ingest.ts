/**
 * Store-level ingest bench: how many ~4 KB snapshots per second `Store.writeSnapshots` commits,
 * with no network, signatures or agents in the way. It isolates the database's share of the
 * connector's ingest cost, so a change to a backend's write path is measured on its own.
 *
 *   npx tsx scripts/bench/store-ingest.ts                                   # SQLite in a temp dir
 *   npx tsx scripts/bench/store-ingest.ts --database postgres://postgres@127.0.0.1:5432/test
 *   npx tsx scripts/bench/store-ingest.ts --database postgres://… --writers 2 --batch 256
 *
 * A PostgreSQL location gets its own throwaway schema (dropped at the end) unless it names one.
 * Each writer is a separate store handle (a replica) writing whole batches back to back, like the
 * connector's batcher under load; devices are split between writers, each snapshot a new seq.
 * Standalone on purpose: `npm run bench` (scripts/bench/main.ts) measures the whole connector.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import pg from "pg";
import { canonicalJson } from "../../shared/signing/canonical.ts";
import { FACTS_VERSION } from "../../shared/facts/schema.ts";
import { openStore } from "../../connector/store/open.ts";
import type { Device, SnapshotWrite, Store } from "../../connector/store/types.ts";
import { isPostgresLocation, parsePostgresLocation } from "../../connector/store/postgres/connection.ts";
import { benchFacts, benchUnknown } from "./facts-document.ts";
import { integerOption } from "../../shared/cli/integer-option.ts";

interface Options {
  database?: string;
  devices: number;
  batch: number;
  writers: number;
  seconds: number;
  json: boolean;
}

const positive = integerOption({ min: 1 });

const program = new Command("store-ingest")
  .option("--database <location>", "SQLite path or postgres:// URL (default: SQLite in a temp dir)")
  .option("--devices <n>", "devices enrolled and written to", positive, 2000)
  .option("--batch <n>", "snapshots per writeSnapshots call (the connector's batchMaxSize is 256)", positive, 256)
  .option("--writers <n>", "store handles writing at once, as replicas would", positive, 1)
  .option("--seconds <n>", "how long each run measures", positive, 10)
  .option("--json", "print the result as JSON", false)
  .parse();
const options = program.opts<Options>();

interface Target {
  location: string;
  label: string;
  cleanup(): Promise<void>;
}

async function target(database: string | undefined): Promise<Target> {
  if (!database) {
    const dir = mkdtempSync(join(tmpdir(), "facet-store-bench-"));
    return { location: join(dir, "facet.db"), label: "sqlite", cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!isPostgresLocation(database)) return { location: database, label: "sqlite", cleanup: async () => {} };
  if (parsePostgresLocation(database).schema) return { location: database, label: "postgres", cleanup: async () => {} };
  const schema = `facet_bench_${process.pid}_${Date.now().toString(36)}`;
  const url = new URL(database);
  url.searchParams.set("schema", schema);
  return {
    location: url.toString(),
    label: "postgres",
    async cleanup() {
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

function device(index: number): Device {
  return {
    id: `bench-${String(index).padStart(6, "0")}`,
    name: null,
    // Unique per device: the store refuses a key already enrolled.
    publicKey: Buffer.from(`bench-device-key-${String(index).padStart(15, "0")}`).toString("base64"),
    platform: "linux",
    serial: null,
    manufacturer: null,
    model: null,
    machineId: null,
    username: null,
    enrolledAt: Date.now(),
    revokedAt: null,
    lastSeq: 0,
    lastSeenAt: null,
  };
}

/** A write shaped like the connector's: the canonical signed body (~4 KB) and one accepted event. */
function snapshotWrite(index: number, deviceId: string, seq: number, facts: ReturnType<typeof benchFacts>): SnapshotWrite {
  const now = Date.now();
  const unknown = benchUnknown();
  const body = canonicalJson({ v: FACTS_VERSION, deviceId, seq, collectedAt: new Date(now).toISOString(), nonce: "n".repeat(22), agentVersion: "bench", facts, unknown });
  return {
    snapshot: { deviceId, seq, collectedAt: now, receivedAt: now, body, signature: "s".repeat(86) + "==", facts, unknown },
    events: [{ type: "snapshot.accepted", at: now, deviceId, data: { seq, index } }],
  };
}

async function enroll(store: Store, count: number): Promise<void> {
  await store.createEnrollToken({ id: "bench", label: "bench", createdAt: Date.now(), expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "bench-hash");
  for (let i = 0; i < count; i++) {
    const outcome = await store.enrollDevice("bench-hash", device(i), Date.now());
    if (!outcome.ok) throw new Error(`enroll ${i}: ${outcome.reason}`);
  }
}

async function main(): Promise<void> {
  const t = await target(options.database);
  const stores: Store[] = [];
  try {
    for (let w = 0; w < options.writers; w++) stores.push(await openStore(t.location, { historyLimit: 20 }));
    await enroll(stores[0]!, options.devices);
    const facts = Array.from({ length: options.devices }, (_, i) => benchFacts(i));
    const bodyBytes = Buffer.byteLength(snapshotWrite(0, device(0).id, 1, facts[0]!).snapshot.body);
    const deadline = Date.now() + options.seconds * 1000;
    const started = performance.now();
    const latencies: number[] = [];
    let written = 0;
    let refused = 0;
    await Promise.all(
      stores.map(async (store, w) => {
        // Writer w owns devices w, w+writers, …; it cycles through them, a batch at a time.
        const mine = Array.from({ length: Math.ceil((options.devices - w) / options.writers) }, (_, k) => w + k * options.writers);
        const seqs = new Map<number, number>();
        let cursor = 0;
        const build = (): SnapshotWrite[] => {
          const batch: SnapshotWrite[] = [];
          for (let k = 0; k < options.batch; k++) {
            const i = mine[cursor++ % mine.length]!;
            const seq = (seqs.get(i) ?? 0) + 1;
            seqs.set(i, seq);
            batch.push(snapshotWrite(i, device(i).id, seq, facts[i]!));
          }
          return batch;
        };
        // The next batch is built while the database commits this one, as the connector verifies
        // incoming snapshots while the batcher's transaction runs: the figure is the store's.
        let batch = build();
        while (Date.now() < deadline) {
          const t0 = performance.now();
          const writing = store.writeSnapshots(batch);
          batch = build();
          const results = await writing;
          latencies.push(performance.now() - t0);
          for (const r of results) r === "accepted" ? written++ : refused++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
    const result = {
      backend: t.label,
      writers: options.writers,
      batch: options.batch,
      devices: options.devices,
      bodyBytes,
      seconds: Number(elapsed.toFixed(2)),
      snapshots: written,
      refused,
      snapshotsPerSecond: Math.round(written / elapsed),
      batchMsP50: Number(q(0.5).toFixed(1)),
      batchMsP99: Number(q(0.99).toFixed(1)),
    };
    if (options.json) console.log(JSON.stringify(result));
    else {
      console.log(`${result.backend}: ${result.snapshotsPerSecond} snapshots/s (${result.writers} writer(s), batch ${result.batch}, ${result.devices} devices, ~${bodyBytes} B bodies)`);
      console.log(`  ${written} accepted, ${refused} refused in ${result.seconds} s; batch commit p50 ${result.batchMsP50} ms, p99 ${result.batchMsP99} ms`);
    }
    if (refused > 0) process.exitCode = 1;
  } finally {
    for (const s of stores) await s.close();
    await t.cleanup();
  }
}

await main();
