/** Builders for the store contract tests: plain values, no store calls. */
import type { Device, EnrollToken, NewEvent, SnapshotWrite } from "../../../connector/store/types.ts";
import type { Facts } from "../../../shared/facts/schema.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../facts.ts";

export function device(id: string, extra: Partial<Device> = {}): Device {
  return {
    id,
    name: null,
    // One key per device: the store refuses a key that is already enrolled.
    publicKey: Buffer.from(id.padEnd(32, "#").slice(0, 32)).toString("base64"),
    platform: "linux",
    serial: null,
    manufacturer: null,
    model: null,
    machineId: null,
    username: null,
    enrolledAt: 1000,
    revokedAt: null,
    lastSeq: 0,
    lastSeenAt: null,
    ...extra,
  };
}

export function enrollToken(id: string, extra: Partial<EnrollToken> = {}): EnrollToken {
  return { id, label: null, username: null, createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null, ...extra };
}

/** A snapshot write whose body is canonical-looking JSON carrying the facts, like the real one. */
export function write(deviceId: string, seq: number, facts: Facts = sampleFacts(), events?: NewEvent[]): SnapshotWrite {
  const body = JSON.stringify({ v: 1, deviceId, seq, facts, unknown: SAMPLE_UNKNOWN });
  return {
    snapshot: { deviceId, seq, collectedAt: 5000 + seq, receivedAt: 6000 + seq, body, signature: `sig-${seq}`, facts, unknown: SAMPLE_UNKNOWN },
    events: events ?? [{ type: "snapshot.accepted", at: 6000 + seq, deviceId, data: { seq } }],
  };
}

export { sampleFacts, SAMPLE_UNKNOWN };
