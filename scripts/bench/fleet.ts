/**
 * The simulated fleet: device keys made here, devices enrolled through the real REST API, and
 * agents spread over load-generator processes and loopback source addresses (each process and
 * each source address has its own file and ephemeral-port budget).
 */
import { enrollSignature } from "./snapshot-frames.ts";
import { generateBenchKey, type BenchKey } from "./device-keys.ts";
import { seedSqliteDevices } from "./sqlite-seed.ts";
import { benchScript, spawnChild, type Child } from "./child.ts";
import type { IngestReport, WorkerDevice } from "./worker-protocol.ts";
import { benchFacts } from "./facts-document.ts";
import type { SnapshotSize } from "./snapshot-sizes.ts";

export interface EnrolledDevice extends WorkerDevice {}

async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

export async function createEnrollToken(baseUrl: string, adminToken: string, uses: number): Promise<string> {
  const res = await postJson(`${baseUrl}/v1/tokens/enroll`, { label: "bench", max_uses: uses, expires_in: 3600 }, adminToken);
  if (res.status !== 201) throw new Error(`creating an enrollment token failed: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.token as string;
}

export async function createApiToken(baseUrl: string, adminToken: string, scopes: string[]): Promise<string> {
  const res = await postJson(`${baseUrl}/v1/tokens/api`, { name: "bench", scopes }, adminToken);
  if (res.status !== 201) throw new Error(`creating an API token failed: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.token as string;
}

/** Enrolls `count` new devices through `POST /v1/enroll`, `concurrency` requests at a time. */
export async function enrollDevices(baseUrls: string[], enrollToken: string, count: number, firstIndex = 0, concurrency = 16): Promise<EnrolledDevice[]> {
  const out: EnrolledDevice[] = new Array(count);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < count) {
      const i = next++;
      const index = firstIndex + i;
      const key = generateBenchKey();
      const publicKey = key.publicKeyRaw.toString("base64");
      const facts = benchFacts(index);
      const res = await postJson(`${baseUrls[i % baseUrls.length]}/v1/enroll`, {
        token: enrollToken,
        publicKey,
        signature: enrollSignature(publicKey, enrollToken, key.privateKey),
        hostname: facts.network?.hostname ?? undefined,
        platform: "linux",
        username: `user${index}`,
        agentVersion: "0.1.0-bench",
      });
      if (res.status !== 201) throw new Error(`enroll failed: ${res.status} ${JSON.stringify(res.json)}`);
      out[i] = { deviceId: res.json.deviceId as string, index, seed: key.seed.toString("base64"), publicKey };
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return out;
}

interface NewDevice {
  index: number;
  key: BenchKey;
  publicKey: string;
  hostname: string;
  username: string;
}

function newDevices(count: number, firstIndex: number): NewDevice[] {
  return Array.from({ length: count }, (_, i) => {
    const index = firstIndex + i;
    const key = generateBenchKey();
    return { index, key, publicKey: key.publicKeyRaw.toString("base64"), hostname: benchFacts(index).network?.hostname ?? `bench-${index}`, username: `user${index}` };
  });
}

const enrolled = (d: NewDevice, deviceId: string): EnrolledDevice => ({ deviceId, index: d.index, seed: d.key.seed.toString("base64"), publicKey: d.publicKey });

/**
 * Enrolls many devices straight through the connector's store (IPC to the connector process):
 * the same transaction as POST /v1/enroll without HTTP, one per device. The REST path is measured
 * separately on a sample; a SQLite fleet is seeded faster before the connector starts (seedFile).
 */
export async function seedDevices(connector: Child, count: number, firstIndex: number): Promise<EnrolledDevice[]> {
  const out: EnrolledDevice[] = [];
  for (let start = 0; start < count; start += 2000) {
    const chunk = newDevices(Math.min(2000, count - start), firstIndex + start);
    const reply = await connector.request<{ deviceIds: string[] }>(
      { type: "seed", devices: chunk.map(({ publicKey, hostname, username }) => ({ publicKey, hostname, username })) } as never,
      "seeded",
      600_000,
    );
    chunk.forEach((c, i) => out.push(enrolled(c, reply.deviceIds[i]!)));
  }
  return out;
}

/** Enrolls devices into a SQLite file before a connector opens it: one transaction (sqlite-seed.ts). */
export async function seedFile(path: string, count: number, firstIndex: number): Promise<EnrolledDevice[]> {
  const devices = newDevices(count, firstIndex);
  const ids = await seedSqliteDevices(path, devices);
  return devices.map((d, i) => enrolled(d, ids[i]!));
}

/** Stores each device's first signed snapshot through the connector's store, in batches: no agent connections. */
export async function storeSnapshots(connector: Child, devices: EnrolledDevice[], size: SnapshotSize): Promise<number> {
  let accepted = 0;
  for (let start = 0; start < devices.length; start += 1000) {
    const reply = await connector.request<{ accepted: number }>({ type: "storeSnapshots", snapshots: devices.slice(start, start + 1000), size } as never, "storedSnapshots", 600_000);
    accepted += reply.accepted;
  }
  return accepted;
}

export interface FleetOptions {
  /** Agent socket URLs; agents are spread round-robin (one per replica). */
  agentUrls: string[];
  devices: EnrolledDevice[];
  /** Agents per load-generator process. */
  perProcess: number;
  /** Loopback source addresses to spread connections over (127.0.0.x). */
  sourceAddresses: number;
  /** The snapshot body the agents send. */
  size: SnapshotSize;
}

export interface FleetConnectResult {
  connected: number;
  failed: number;
  firstError: string | null;
  ms: number;
}

export class Fleet {
  private constructor(private readonly workers: Child[]) {}

  static async start(options: FleetOptions): Promise<Fleet> {
    const processes = Math.max(1, Math.ceil(options.devices.length / options.perProcess));
    const workers: Child[] = [];
    let address = 2;
    const perProcessAddresses = Math.max(1, Math.ceil(options.sourceAddresses / processes));
    for (let p = 0; p < processes; p++) {
      const devices = options.devices.slice(p * options.perProcess, (p + 1) * options.perProcess);
      const child = spawnChild(benchScript("load-worker.ts"));
      const localAddresses = Array.from({ length: perProcessAddresses }, () => `127.0.0.${address++}`);
      child.send({ type: "init", url: options.agentUrls[p % options.agentUrls.length], devices, localAddresses, size: options.size });
      workers.push(child);
    }
    await Promise.all(workers.map((w) => w.next("ready", 60_000)));
    return new Fleet(workers);
  }

  get processes(): number {
    return this.workers.length;
  }

  async connect(concurrencyPerProcess = 64): Promise<FleetConnectResult> {
    const replies = await Promise.all(
      this.workers.map((w) => w.request<FleetConnectResult>({ type: "connect", concurrency: concurrencyPerProcess } as never, "connected", 300_000)),
    );
    return {
      connected: replies.reduce((n, r) => n + r.connected, 0),
      failed: replies.reduce((n, r) => n + r.failed, 0),
      firstError: replies.find((r) => r.firstError)?.firstError ?? null,
      ms: Math.max(...replies.map((r) => r.ms)),
    };
  }

  /** Opens one bare WebSocket per agent slot to a baseline server instead. */
  async connectPlain(url: string, concurrencyPerProcess = 64): Promise<FleetConnectResult> {
    const replies = await Promise.all(
      this.workers.map((w) => w.request<FleetConnectResult>({ type: "connectPlain", url, concurrency: concurrencyPerProcess } as never, "connected", 300_000)),
    );
    return {
      connected: replies.reduce((n, r) => n + r.connected, 0),
      failed: replies.reduce((n, r) => n + r.failed, 0),
      firstError: replies.find((r) => r.firstError)?.firstError ?? null,
      ms: Math.max(...replies.map((r) => r.ms)),
    };
  }

  /** `compact`: steady-state frames (family digests) where the agents have that form and the connector accepted it. */
  async presign(perAgent: number, compact = false): Promise<{ frames: number; ms: number }> {
    const replies = await Promise.all(this.workers.map((w) => w.request<{ frames: number; ms: number }>({ type: "presign", perAgent, compact } as never, "presigned", 300_000)));
    return { frames: replies.reduce((n, r) => n + r.frames, 0), ms: Math.max(...replies.map((r) => r.ms)) };
  }

  /** Every agent sends from `startAt` (epoch ms; default in 300 ms) for `durationMs`, `window` snapshots in flight each. */
  async ingest(warmupMs: number, durationMs: number, window: number, startAt = Date.now() + 300): Promise<IngestReport[]> {
    return Promise.all(
      this.workers.map((w) => w.request<IngestReport>({ type: "ingest", startAt, warmupMs, durationMs, window } as never, "ingested", durationMs + 60_000)),
    );
  }

  async status(): Promise<{ open: number; rss: number }> {
    const replies = await Promise.all(this.workers.map((w) => w.request<{ open: number; rss: number }>({ type: "status" }, "status")));
    return { open: replies.reduce((n, r) => n + r.open, 0), rss: replies.reduce((n, r) => n + r.rss, 0) };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        try {
          await w.request({ type: "close" }, "closed", 10_000);
        } catch {
          /* already gone */
        }
        await w.kill();
      }),
    );
  }
}
