/**
 * The connector's main-thread ingest cost per snapshot, in CPU time, beside the bare Ed25519
 * verify measured in the same rounds: the verify thread's share (frame-verdict.ts: frame JSON.parse
 * and check, verify, body parse and check) run inline, then `ingestSnapshot` (session checks,
 * duplicate detection, building the write), with the write answered at once. CPU time (process.cpuUsage), not wall time, so other processes on the machine move the
 * figure far less than they move `npm run bench`; the writer thread's share is store-ingest.ts's.
 *
 *   npx tsx scripts/bench/ingest-pipeline.ts [--rounds 6] [--per-round 1500]
 */
import { generateKeyPairSync, verify } from "node:crypto";
import { Command } from "commander";
import { openStore } from "../../connector/store/open.ts";
import { frameVerdict } from "../../connector/agent-channel/frame-verdict.ts";
import { ingestSnapshot } from "../../connector/agent-channel/ingest.ts";
import { PublicKeyCache } from "../../connector/agent-channel/key-cache.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";
import { domainMessage } from "../../shared/signing/domains.ts";
import { benchFacts, benchUnknown } from "./facts-document.ts";
import { signedSnapshotFrame, snapshotTemplate } from "./snapshot-frames.ts";

const opts = new Command("ingest-pipeline")
  .option("--rounds <n>", "measured rounds", (v) => Number(v), 6)
  .option("--per-round <n>", "snapshots (and verifies) per round", (v) => Number(v), 1500)
  .parse()
  .opts<{ rounds: number; perRound: number }>();

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const rawPublicKey = publicKey.export({ format: "der", type: "spki" }).subarray(12).toString("base64");
const store = await openStore(":memory:");
await store.createEnrollToken({ id: "t", label: "t", createdAt: 0, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h");
const id = "bench-000001";
const enrolled = await store.enrollDevice("h", { id, name: null, publicKey: rawPublicKey, platform: "linux", serial: null, manufacturer: null, model: null, machineId: null, username: null, enrolledAt: 0, revokedAt: null, lastSeq: 0, lastSeenAt: null }, 0);
if (!enrolled.ok) throw new Error(`enroll: ${enrolled.reason}`);
const facts = benchFacts(1);
const unknown = benchUnknown();
const nonce = "n".repeat(43);
// One real write first, so the device row carries its identity and no duplicate lookups follow (steady state).
await store.writeSnapshots([{ snapshot: { deviceId: id, seq: 1, collectedAt: 0, receivedAt: 0, body: canonicalJson({ v: 1, deviceId: id, seq: 1, collectedAt: new Date().toISOString(), nonce, agentVersion: "bench", facts, unknown }), signature: "x", facts, unknown }, events: [] }]);
const stored = (await store.getDevice(id))!;
const device = { id, publicKey: rawPublicKey, lastSeq: 1, serial: stored.serial, machineId: stored.machineId, hardwareUuid: stored.hardwareUuid ?? null };

const template = snapshotTemplate(id, "bench", facts, unknown);
const frames = Array.from({ length: 4000 }, (_, i) => signedSnapshotFrame(template, privateKey, i + 2, nonce));
const parsedFrames = frames.slice(0, 200).map((f) => JSON.parse(f.toString("utf8")) as { body: string; signature: string });
const keys = new PublicKeyCache();
const ctx = {
  store,
  batcher: { write: async () => "accepted" as const } as never,
  now: () => Date.now(),
  limits: { maxClockSkewSeconds: 300, maxSnapshotAgeSeconds: 604_800 },
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let next = 0;

async function pipeline(n: number): Promise<number> {
  const t0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const verdict = frameVerdict(frames[next++ % frames.length]!, rawPublicKey, keys);
    if (verdict.kind !== "snapshot" || !verdict.body) throw new Error(verdict.kind);
    device.lastSeq = 0; // frames are reused across rounds
    const result = await ingestSnapshot(ctx, { device, nonce }, verdict.body);
    if (!result.ok) throw new Error(result.code);
  }
  return (cpuMs() - t0) / n;
}

function bareVerify(n: number): number {
  const t0 = cpuMs();
  for (let i = 0; i < n; i++) {
    const p = parsedFrames[i % parsedFrames.length]!;
    if (!verify(null, domainMessage("snapshot", Buffer.from(p.body, "utf8")), publicKey, Buffer.from(p.signature, "base64"))) throw new Error("verify");
  }
  return (cpuMs() - t0) / n;
}

await pipeline(300);
bareVerify(300);
for (let round = 1; round <= opts.rounds; round++) {
  const v1 = bareVerify(opts.perRound);
  const p = await pipeline(opts.perRound);
  const v = (v1 + bareVerify(opts.perRound)) / 2;
  console.log(`round ${round}: bare verify ${(v * 1000).toFixed(0)} µs, pipeline ${(p * 1000).toFixed(0)} µs per snapshot → ${(v / p).toFixed(2)} of the bare verify rate`);
}
await store.close();
