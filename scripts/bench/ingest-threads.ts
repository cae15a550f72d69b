/**
 * Connector CPU per snapshot behind the socket, per thread, without the load generator or ws on the
 * same cores: the verify pool (2 threads), the session checks and the batcher on this thread, and
 * a SQLite file store with its writer thread, fed pre-signed frames closed loop (one in flight per
 * device, in seq order). CPU time from /proc, so other processes on the machine move the figure
 * far less than they move `npm run bench`; the frames are handed over as the whole buffers ws
 * delivers for a real-size frame. Each round is preceded by the bare verify of the same bodies, so
 * its ratios are against the same minute's verify cost. Compare two trees by running it in each,
 * alternately.
 *
 *   npx tsx scripts/bench/ingest-threads.ts [--size real|small] [--devices 200] [--frames 8] [--rounds 3]
 */
import { generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import pino from "pino";
import { openStore } from "../../connector/store/open.ts";
import { VerifyPool } from "../../connector/agent-channel/verify-pool.ts";
import { PublicKeyCache } from "../../connector/agent-channel/key-cache.ts";
import { SnapshotBatcher } from "../../connector/agent-channel/batcher.ts";
import { ingestSnapshot, type SessionDevice } from "../../connector/agent-channel/ingest.ts";
import { signedSnapshotFrame } from "./snapshot-frames.ts";
import { isSnapshotSize, templateFor } from "./snapshot-sizes.ts";
import { domainMessage } from "../../shared/signing/domains.ts";

const opts = new Command("ingest-threads")
  .option("--size <size>", "real or small", "real")
  .option("--devices <n>", "devices, one frame in flight each", (v) => Number(v), 200)
  .option("--frames <n>", "frames per device per round", (v) => Number(v), 8)
  .option("--rounds <n>", "measured rounds (after one warm-up round)", (v) => Number(v), 3)
  .parse()
  .opts<{ size: string; devices: number; frames: number; rounds: number }>();
if (!isSnapshotSize(opts.size)) throw new Error("--size is real or small");
const size = opts.size;

/** utime + stime of one thread or of the whole process, in µs. */
function cpuMicros(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}
const mainCpu = () => cpuMicros(readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, "utf8"));
const allCpu = () => readdirSync(`/proc/${process.pid}/task`).reduce((sum, tid) => sum + cpuMicros(readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8")), 0);

const dir = mkdtempSync(join(tmpdir(), "facet-ingest-threads-"));
const store = await openStore(join(dir, "facet.db"));
await store.createEnrollToken({ id: "t", label: "t", createdAt: 0, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h");
const nonce = "n".repeat(43);
const totalFrames = opts.frames * (opts.rounds + 1);
const devices: { session: SessionDevice; frames: Buffer[]; key: KeyObject }[] = [];
for (let d = 0; d < opts.devices; d++) {
  const id = `bench-${String(d).padStart(6, "0")}`;
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(12).toString("base64");
  const enrolled = await store.enrollDevice("h", { id, name: null, publicKey: raw, platform: "linux", serial: null, manufacturer: null, model: null, machineId: null, username: null, enrolledAt: 0, revokedAt: null, lastSeq: 0, lastSeenAt: null }, 0);
  if (!enrolled.ok) throw new Error(`enroll: ${enrolled.reason}`);
  const template = templateFor(size, id, d, "bench");
  const frames = Array.from({ length: totalFrames }, (_, i) => signedSnapshotFrame(template, privateKey, i + 1, nonce));
  devices.push({ session: { id, publicKey: raw, lastSeq: 0, serial: null, machineId: null, hardwareUuid: null }, frames, key: publicKey });
}

const silent = pino({ level: "silent" });
const pool = new VerifyPool({ size: 2, log: silent, keys: new PublicKeyCache() });
pool.start();
const ctx = {
  store,
  batcher: new SnapshotBatcher(store, 256),
  now: () => Date.now(),
  limits: { maxClockSkewSeconds: 300, maxSnapshotAgeSeconds: 604_800 },
};

async function deviceRound(device: (typeof devices)[number], from: number): Promise<void> {
  for (let i = from; i < from + opts.frames; i++) {
    const verdict = await pool.verify(device.frames[i]!, device.session.publicKey);
    if (verdict.kind !== "snapshot" || !verdict.body) throw new Error(`verdict ${verdict.kind}`);
    const result = await ingestSnapshot(ctx, { device: device.session, nonce }, verdict.body);
    if (!result.ok) throw new Error(`ingest: ${result.code} ${result.message}`);
  }
}

/**
 * The bare Ed25519 verify of the same bodies (node:crypto, cached key), µs each of this thread's
 * CPU: the other threads may still be collecting garbage from the round before.
 */
function bareVerify(): number {
  const signed = devices[0]!.frames.slice(0, 50).map((f) => JSON.parse(f.toString("utf8")) as { body: string; signature: string });
  const n = size === "real" ? 1500 : 4000;
  const t0 = mainCpu();
  for (let i = 0; i < n; i++) {
    const { body, signature } = signed[i % signed.length]!;
    if (!verify(null, domainMessage("snapshot", Buffer.from(body, "utf8")), devices[0]!.key, Buffer.from(signature, "base64"))) throw new Error("verify");
  }
  return (mainCpu() - t0) / n;
}

for (let round = 0; round <= opts.rounds; round++) {
  const verifyMicros = bareVerify();
  const snapshots = opts.devices * opts.frames;
  const t0 = performance.now();
  const [main0, all0] = [mainCpu(), allCpu()];
  await Promise.all(devices.map((d) => deviceRound(d, round * opts.frames)));
  const [main, all] = [mainCpu() - main0, allCpu() - all0];
  const seconds = (performance.now() - t0) / 1000;
  const label = round === 0 ? "warm-up" : `round ${round}`;
  console.log(
    `${label}: ${size}, ${snapshots} snapshots in ${seconds.toFixed(1)} s (${Math.round(snapshots / seconds)}/s); CPU per snapshot: main ${Math.round(main / snapshots)} µs, other threads ${Math.round((all - main) / snapshots)} µs, all ${Math.round(all / snapshots)} µs; bare verify ${Math.round(verifyMicros)} µs → main ${(main / snapshots / verifyMicros).toFixed(2)}×, all ${(all / snapshots / verifyMicros).toFixed(2)}×; load ${readFileSync("/proc/loadavg", "utf8").split(" ")[0]}`,
  );
}
await pool.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
