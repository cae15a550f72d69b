/**
 * The snapshot ingest pipeline, in this exact order (docs/protocol.md § Ingest):
 *   known, non-revoked device → a compact frame's unchanged families put back (expand-families.ts)
 *   → signature over the exact body bytes (before parsing them)
 *   → parse + SnapshotBodySchema → deviceId matches the session → nonce matches the session
 *   → seq greater than the last accepted → collectedAt within the allowed skew and age → store.
 * Each failure is a typed rejection with a protocol error code; nothing is written for it here
 * (the session records the `snapshot.rejected` event).
 *
 * The steps up to the schema need nothing from the session but the device key, and cost the most:
 * they run on a verify thread (frame-verdict.ts, verify-pool.ts) and arrive here as a BodyVerdict.
 * This module does the rest on the main thread, without parsing the body again.
 *
 * "Known, non-revoked" is what the session read at auth (SessionDevice), not a read per
 * snapshot: revocation closes the device's live sessions (agent-channel/hub.ts, cluster/hub.ts), and
 * the store's write transaction checks `revoked_at` and `last_seq` again under its lock on both
 * backends, so a snapshot racing a revocation or a second session is still refused with
 * `revoked_device` / `replayed_seq` and nothing stored.
 */
import type { ErrorCode } from "../../shared/protocol/errors.ts";
import { CLOSE_CODES } from "../../shared/protocol/errors.ts";
import type { DeviceIdentity } from "../store/identity.ts";
import { isStoreUnavailable } from "../store/unavailable.ts";
import type { NewEvent, RenderedView, Store, StoredSnapshot } from "../store/types.ts";
import type { Clock, ConnectorLimits } from "../options.ts";
import { lazySnapshot } from "../store/lazy-snapshot.ts";
import { versionedPolicyFacts } from "../lookup/policy-snapshot.ts";
import type { SnapshotBatcher } from "./batcher.ts";
import type { BodyVerdict, VerifiedBody } from "./frame-verdict.ts";

export interface IngestContext {
  store: Store;
  batcher: SnapshotBatcher;
  now: Clock;
  limits: Pick<ConnectorLimits, "maxClockSkewSeconds" | "maxSnapshotAgeSeconds">;
}

/**
 * The session's view of its device: read once at auth, then kept current from the snapshots this
 * session gets accepted (what the store's row then holds, short of a concurrent writer).
 */
export interface SessionDevice {
  readonly id: string;
  /** Raw Ed25519 public key, base64 (each verify thread maps it to a KeyObject). */
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
  | { ok: true; snapshot: StoredSnapshot; policyFacts: string; view: RenderedView }
  | { ok: false; code: ErrorCode; message: string; seq?: number; closeCode?: number };

function reject(code: ErrorCode, message: string, extra: { seq?: number; closeCode?: number } = {}): IngestResult {
  return { ok: false, code, message, ...extra };
}

/** A snapshot frame's verdict from its verify thread, taken through the session checks to the store. */
export async function ingestSnapshot(ctx: IngestContext, session: SessionIdentity, verdict: BodyVerdict, requestId?: string): Promise<IngestResult> {
  if (!verdict.ok) return reject(verdict.code, verdict.message, verdict.seq !== undefined ? { seq: verdict.seq } : {});
  const now = ctx.now();
  const refused = sessionCheck(ctx, session, verdict, now);
  if (refused) return refused;

  const { device } = session;
  const snapshot = lazySnapshot({
    deviceId: device.id,
    seq: verdict.seq,
    collectedAt: Date.parse(verdict.collectedAt),
    receivedAt: now,
    bodyUtf8: verdict.body,
    signature: verdict.signature,
  });
  const { identity } = verdict;
  const events: NewEvent[] = [
    {
      type: "snapshot.accepted",
      at: now,
      deviceId: device.id,
      data: { seq: verdict.seq, bytes: verdict.body.byteLength, ...(requestId ? { requestId } : {}) },
    },
    ...(await duplicateEvents(ctx.store, device, identity, now)),
  ];

  let result: Awaited<ReturnType<SnapshotBatcher["write"]>>;
  try {
    result = await ctx.batcher.write({ snapshot, events, identity, view: verdict.view, policyFacts: versionedPolicyFacts(verdict.policyFacts), storeCopy: verdict.storeCopy });
  } catch (error) {
    // A full disk or a lost database is not the agent's fault and not a bug: say so, so a refresh
    // waiting on this snapshot answers store_unavailable instead of timing out.
    if (!isStoreUnavailable(error)) throw error;
    return reject("store_unavailable", "the connector's database cannot store the snapshot now; it was not acked, resend later", { seq: verdict.seq });
  }
  switch (result) {
    case "accepted":
      remember(device, snapshot.seq, identity);
      return { ok: true, snapshot, policyFacts: verdict.policyFacts, view: verdict.view };
    case "replayed_seq":
      return reject("replayed_seq", `seq ${verdict.seq} is not greater than the last accepted seq`, { seq: verdict.seq });
    case "revoked_device":
      return reject("revoked_device", "the device has been revoked", { seq: verdict.seq, closeCode: CLOSE_CODES.revoked });
    case "unknown_device":
      return reject("unknown_device", "the device is no longer enrolled", { seq: verdict.seq, closeCode: CLOSE_CODES.authFailed });
  }
}

/** deviceId, nonce, seq and collectedAt against this session and the connector's clock. */
function sessionCheck(ctx: IngestContext, { device, nonce }: SessionIdentity, body: VerifiedBody, now: number): IngestResult | null {
  const seq = { seq: body.seq };
  if (body.deviceId !== device.id) return reject("device_mismatch", "the snapshot names another device", seq);
  if (body.nonce !== nonce) return reject("nonce_mismatch", "the snapshot was signed for another session's nonce", seq);
  if (body.seq <= device.lastSeq) return reject("replayed_seq", `seq ${body.seq} is not greater than the last accepted seq ${device.lastSeq}`, seq);
  const collectedAt = Date.parse(body.collectedAt);
  if (collectedAt > now + ctx.limits.maxClockSkewSeconds * 1000) {
    return reject("clock_skew", `collectedAt is more than ${ctx.limits.maxClockSkewSeconds} s in the future`, seq);
  }
  if (collectedAt < now - ctx.limits.maxSnapshotAgeSeconds * 1000) {
    return reject("clock_skew", `collectedAt is older than ${ctx.limits.maxSnapshotAgeSeconds} s`, seq);
  }
  return null;
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
