/**
 * The snapshot ingest pipeline, in this exact order (docs/protocol.md § Ingest):
 *   a compact frame's unchanged families put back (expand-families.ts)
 *   → known, non-revoked device → signature over the exact body bytes (before parsing them)
 *   → parse + SnapshotBodySchema → deviceId matches the session → nonce matches the session
 *   → seq greater than the last accepted → collectedAt within the allowed skew and age → store.
 * Each failure is a typed rejection with a protocol error code; nothing is written for it here
 * (the session records the `snapshot.rejected` event).
 *
 * "Known, non-revoked" is what the session read at auth (SessionDevice), not a read per
 * snapshot: revocation closes the device's live sessions (agent-channel/hub.ts, cluster/hub.ts), and
 * the store's write transaction checks `revoked_at` and `last_seq` again under its lock on both
 * backends, so a snapshot racing a revocation or a second session is still refused with
 * `revoked_device` / `replayed_seq` and nothing stored.
 */
import { SnapshotBodySchema, type SnapshotBody } from "../../shared/protocol/snapshot.ts";
import type { SnapshotFrame } from "../../shared/protocol/messages.ts";
import type { ErrorCode } from "../../shared/protocol/errors.ts";
import { CLOSE_CODES } from "../../shared/protocol/errors.ts";
import { isCanonicalText } from "../../shared/signing/canonical.ts";
import { verifySignature } from "../../shared/signing/verify.ts";
import { hasProtoKey } from "../../shared/protocol/proto-keys.ts";
import { identityFromFacts, type DeviceIdentity } from "../store/identity.ts";
import { isStoreUnavailable } from "../store/unavailable.ts";
import type { NewEvent, Store, StoredSnapshot } from "../store/types.ts";
import type { Clock, ConnectorLimits } from "../options.ts";
import type { SnapshotBatcher } from "./batcher.ts";
import type { PublicKeyCache } from "./key-cache.ts";
import { compileCheck } from "./schema-check.ts";
import { expandFamilies, type LatestSnapshotSource } from "./expand-families.ts";

/** Accepts exactly-as-zod the bodies zod would accept unchanged; see schema-check.ts. */
const bodyCheck = compileCheck(SnapshotBodySchema);

export interface IngestContext {
  store: Store;
  batcher: SnapshotBatcher;
  keys: PublicKeyCache;
  now: Clock;
  limits: Pick<ConnectorLimits, "maxClockSkewSeconds" | "maxSnapshotAgeSeconds">;
  /** Where a compact snapshot's unchanged families are read back from (expand-families.ts). */
  lookup?: LatestSnapshotSource;
}

/**
 * The session's view of its device: read once at auth, then kept current from the snapshots this
 * session gets accepted (what the store's row then holds, short of a concurrent writer).
 */
export interface SessionDevice {
  readonly id: string;
  /** Raw Ed25519 public key, base64 (the key cache maps it to a KeyObject). */
  readonly publicKey: string;
  lastSeq: number;
  /** The identity columns duplicate detection compares against (store/identity.ts). */
  serial: string | null;
  machineId: string | null;
  hardwareUuid: string | null;
}

export interface SessionIdentity {
  device: SessionDevice;
  nonce: string;
}

export type IngestResult =
  | { ok: true; snapshot: StoredSnapshot }
  | { ok: false; code: ErrorCode; message: string; seq?: number; closeCode?: number };

function reject(code: ErrorCode, message: string, extra: { seq?: number; closeCode?: number } = {}): IngestResult {
  return { ok: false, code, message, ...extra };
}

export async function ingestSnapshot(ctx: IngestContext, session: SessionIdentity, received: SnapshotFrame): Promise<IngestResult> {
  const { device } = session;
  // A compact frame becomes the full body its signature covers; from here on both are the same.
  const expanded = await expandFamilies(ctx, device, received);
  if (!expanded.ok) return expanded;
  const { frame } = expanded;
  // Verify the bytes exactly as they arrived (a compact frame's as rebuilt); nothing from them is
  // trusted before.
  const bodyBytes = Buffer.from(frame.body, "utf8");
  const signature = Buffer.from(frame.signature, "base64");
  if (!verifySignature("snapshot", bodyBytes, signature, ctx.keys.get(device.publicKey))) {
    return reject("bad_signature", "the snapshot signature does not verify against the device key");
  }

  let json: unknown;
  try {
    json = JSON.parse(frame.body);
  } catch {
    return reject("bad_snapshot", "the signed body is not valid JSON");
  }
  // One signed body, one meaning: duplicate keys (JSON.parse keeps the last, SQLite's json_extract
  // the first), escapes, whitespace or key order would let the stored bytes and the facts the
  // policies read disagree, and a stored snapshot would no longer re-verify after re-serialising.
  if (!isCanonicalText(frame.body, json)) {
    return reject("non_canonical_body", "the signed body is not its RFC 8785 canonical form (duplicate keys, whitespace, key order, escapes or number format)");
  }
  // JSON.parse makes "__proto__" an own key, but every copy made later (zod, spreads) turns it into
  // a prototype: the facts served would change between ingest and a restart.
  if (hasProtoKey(frame.body, json)) return reject("bad_snapshot", 'the signed body has a "__proto__" key');
  let body: SnapshotBody;
  if (bodyCheck?.(json)) body = json as SnapshotBody;
  else {
    // Whatever the compiled check is unsure of, zod decides, and its message is the one sent.
    const parsed = SnapshotBodySchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return reject("bad_snapshot", `the signed body does not match the snapshot schema: ${first?.path.join(".") || "(root)"}: ${first?.message ?? ""}`.slice(0, 1000));
    }
    body = parsed.data;
  }

  if (body.deviceId !== device.id) return reject("device_mismatch", "the snapshot names another device", { seq: body.seq });
  if (body.nonce !== session.nonce) return reject("nonce_mismatch", "the snapshot was signed for another session's nonce", { seq: body.seq });
  if (body.seq <= device.lastSeq) {
    return reject("replayed_seq", `seq ${body.seq} is not greater than the last accepted seq ${device.lastSeq}`, { seq: body.seq });
  }

  const now = ctx.now();
  const collectedAt = Date.parse(body.collectedAt);
  if (collectedAt > now + ctx.limits.maxClockSkewSeconds * 1000) {
    return reject("clock_skew", `collectedAt is more than ${ctx.limits.maxClockSkewSeconds} s in the future`, { seq: body.seq });
  }
  if (collectedAt < now - ctx.limits.maxSnapshotAgeSeconds * 1000) {
    return reject("clock_skew", `collectedAt is older than ${ctx.limits.maxSnapshotAgeSeconds} s`, { seq: body.seq });
  }

  const snapshot: StoredSnapshot = {
    deviceId: device.id,
    seq: body.seq,
    collectedAt,
    receivedAt: now,
    body: frame.body,
    signature: frame.signature,
    facts: body.facts,
    unknown: body.unknown,
  };
  const identity = identityFromFacts(body.facts);
  const events: NewEvent[] = [
    {
      type: "snapshot.accepted",
      at: now,
      deviceId: device.id,
      data: { seq: body.seq, bytes: bodyBytes.length, ...(frame.requestId ? { requestId: frame.requestId } : {}) },
    },
    ...(await duplicateEvents(ctx.store, device, identity, now)),
  ];

  let result: Awaited<ReturnType<SnapshotBatcher["write"]>>;
  try {
    result = await ctx.batcher.write({ snapshot, events });
  } catch (error) {
    // A full disk or a lost database is not the agent's fault and not a bug: say so, so a refresh
    // waiting on this snapshot answers store_unavailable instead of timing out.
    if (!isStoreUnavailable(error)) throw error;
    return reject("store_unavailable", "the connector's database cannot store the snapshot now; it was not acked, resend later", { seq: body.seq });
  }
  switch (result) {
    case "accepted":
      remember(device, snapshot.seq, identity);
      return { ok: true, snapshot };
    case "replayed_seq":
      return reject("replayed_seq", `seq ${body.seq} is not greater than the last accepted seq`, { seq: body.seq });
    case "revoked_device":
      return reject("revoked_device", "the device has been revoked", { seq: body.seq, closeCode: CLOSE_CODES.revoked });
    case "unknown_device":
      return reject("unknown_device", "the device is no longer enrolled", { seq: body.seq, closeCode: CLOSE_CODES.authFailed });
  }
}

/** What the store's write just did to the device row: last_seq, and coalesce() of the identity columns. */
function remember(device: SessionDevice, seq: number, identity: DeviceIdentity): void {
  device.lastSeq = seq;
  for (const field of IDENTITY_FIELDS) {
    const value = identity[field.key];
    if (value !== null) device[field.key] = value;
  }
}

const IDENTITY_FIELDS = [
  { fact: "machine_id", key: "machineId", query: "machineId" },
  { fact: "serial", key: "serial", query: "serial" },
  { fact: "hardware_uuid", key: "hardwareUuid", query: "hardwareUuid" },
] as const;

/**
 * A cloned VM or a re-imaged machine enrolled twice reports an identity another live device
 * already reported. Checked only when the device's own value changes (first report included),
 * so a clone pair raises one event each, not one per snapshot.
 */
async function duplicateEvents(store: Store, device: SessionDevice, identity: DeviceIdentity, now: number): Promise<NewEvent[]> {
  const events: NewEvent[] = [];
  for (const field of IDENTITY_FIELDS) {
    const value = identity[field.key];
    if (value === null || value === (device[field.key] ?? null)) continue;
    const others = (await store.listDevices({ [field.query]: value, limit: 20 })).filter((d) => d.id !== device.id);
    if (others.length === 0) continue;
    events.push({
      type: "device.duplicate_suspected",
      at: now,
      deviceId: device.id,
      data: { field: field.fact, value, otherDeviceIds: others.map((d) => d.id) },
    });
  }
  return events;
}
