/**
 * The snapshot write transaction, independent of the thread it runs on. A batch is one IMMEDIATE
 * transaction, so the cost of making it durable (one WAL fsync) is shared by every agent in it.
 *
 * Batches cross a thread boundary (writer-thread.ts), so a write is first reduced to a
 * `SnapshotRowWrite`: the columns and the identity already extracted, event data already
 * serialised. The facts object itself never crosses — cloning it would cost the main thread
 * about as much as the write saves.
 */
import type { Database } from "better-sqlite3";
import { identityFromFacts, type DeviceIdentity } from "../identity.ts";
import type { PolicyFacts, RenderedView, SnapshotWrite, SnapshotWriteResult, StoreCopy } from "../types.ts";
import { deflatedBuffer } from "../deflated-view.ts";
import { utf8Text } from "../lazy-snapshot.ts";

export interface SnapshotRowWrite {
  deviceId: string;
  seq: number;
  collectedAt: number;
  receivedAt: number;
  /** The text, or its UTF-8 (a snapshot just received, lazy-snapshot.ts): decoded by the thread that writes it. */
  body: string | Uint8Array;
  signature: string;
  identity: DeviceIdentity;
  view: RenderedView | null;
  policyFacts: PolicyFacts | null;
  events: { type: string; at: number; deviceId: string | null; data: string }[];
}

export function toRowWrite(write: SnapshotWrite): SnapshotRowWrite {
  const { snapshot, events, identity, view, policyFacts } = write;
  const copy = unmovedCopy(write);
  return {
    deviceId: snapshot.deviceId,
    seq: snapshot.seq,
    collectedAt: snapshot.collectedAt,
    receivedAt: snapshot.receivedAt,
    body: copy?.body ?? snapshot.bodyUtf8 ?? snapshot.body,
    signature: snapshot.signature,
    identity: identity ?? identityFromFacts(snapshot.facts),
    view: view ? (copy ? { ...view, deflated: copy.view } : view) : null,
    policyFacts: policyFacts ?? null,
    events: events.map((e) => ({ type: e.type, at: e.at, deviceId: e.deviceId, data: JSON.stringify(e.data) })),
  };
}

/** The buffers of a batch's store copies, which the rows made by toRowWrite refer to: moved to the writer thread with them. */
export function storeCopyBuffers(batch: SnapshotWrite[]): ArrayBuffer[] {
  return batch.flatMap((w) => {
    const copy = unmovedCopy(w);
    return copy && copy.body.buffer instanceof ArrayBuffer && copy.view.buffer instanceof ArrayBuffer ? [copy.body.buffer, copy.view.buffer] : [];
  });
}

/** A write's store copy, unless it is gone already (a buffer once moved is empty here); the rows then refer to the snapshot's own bytes. */
function unmovedCopy(write: SnapshotWrite): StoreCopy | undefined {
  const copy = write.storeCopy;
  return copy && write.view && copy.body.byteLength > 0 && copy.view.byteLength > 0 ? copy : undefined;
}

interface DeviceState {
  revoked_at: number | null;
  last_seq: number;
  serial: string | null;
  manufacturer: string | null;
  model: string | null;
  platform: string | null;
  machine_id: string | null;
  hardware_uuid: string | null;
  hostname: string | null;
}

/** Whether coalesce(new, stored) would change any identity column (an unknown value keeps the stored one). */
function identityChanges(row: DeviceState, id: Omit<DeviceIdentity, "usernames">): boolean {
  const differs = (value: string | null, stored: string | null) => value !== null && value !== stored;
  return (
    differs(id.serial, row.serial) ||
    differs(id.manufacturer, row.manufacturer) ||
    differs(id.model, row.model) ||
    differs(id.platform, row.platform) ||
    differs(id.machineId, row.machine_id) ||
    differs(id.hardwareUuid, row.hardware_uuid) ||
    differs(id.hostname, row.hostname)
  );
}

export type SnapshotBatchWriter = (batch: SnapshotRowWrite[]) => SnapshotWriteResult[];

export function createSnapshotBatchWriter(db: Database, historyLimit: number): SnapshotBatchWriter {
  if (!Number.isInteger(historyLimit) || historyLimit < 1) throw new RangeError("historyLimit must be a positive integer");
  const deviceState = db.prepare<[string], DeviceState>(
    `SELECT revoked_at, last_seq, serial, manufacturer, model, platform, machine_id, hardware_uuid, hostname
       FROM devices WHERE id = ?`,
  );
  const insertSnapshot = db.prepare(
    `INSERT INTO snapshots (device_id, seq, collected_at, received_at, body, signature)
     VALUES (@deviceId, @seq, @collectedAt, @receivedAt, @body, @signature)`,
  );
  // A fact that turned unknown keeps the last known identity: the column answers "what did this
  // device last say it is", which is what duplicate detection and lookups need.
  const updateDeviceAndIdentity = db.prepare(
    `UPDATE devices SET last_seq = @seq, last_seen_at = max(coalesce(last_seen_at, 0), @receivedAt),
        serial = coalesce(@serial, serial), manufacturer = coalesce(@manufacturer, manufacturer),
        model = coalesce(@model, model), platform = coalesce(@platform, platform),
        machine_id = coalesce(@machineId, machine_id), hardware_uuid = coalesce(@hardwareUuid, hardware_uuid),
        hostname = coalesce(@hostname, hostname)
      WHERE id = @deviceId`,
  );
  // The usual case: the identity is what the row already says. Leaving those columns out of the
  // SET keeps SQLite from rewriting their four index entries (and those index pages in the WAL).
  const updateDeviceSeen = db.prepare<[number, number, string]>(
    "UPDATE devices SET last_seq = ?, last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ?",
  );
  const currentUsers = db.prepare<[string], { username: string }>("SELECT username FROM device_users WHERE device_id = ?");
  const clearUsers = db.prepare<[string]>("DELETE FROM device_users WHERE device_id = ?");
  const insertUser = db.prepare<[string, string]>("INSERT OR IGNORE INTO device_users (device_id, username) VALUES (?, ?)");
  // The newest row beyond the cap, if any: a device still filling its history costs one index
  // probe and no delete.
  const firstOverCap = db.prepare<[string, number], { seq: number }>(
    "SELECT seq FROM snapshots WHERE device_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
  );
  const prune = db.prepare<[string, number]>("DELETE FROM snapshots WHERE device_id = ? AND seq <= ?");
  const putView = db.prepare<[string, number, number, number, Buffer, number, number]>(
    `INSERT INTO snapshot_views (device_id, seq, collected_at, version, deflated, crc32, length) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, collected_at = excluded.collected_at, version = excluded.version,
       deflated = excluded.deflated, crc32 = excluded.crc32, length = excluded.length`,
  );
  const putPolicyFacts = db.prepare<[string, number, number, number, string]>(
    `INSERT INTO snapshot_policy_facts (device_id, seq, collected_at, version, facts) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, collected_at = excluded.collected_at, version = excluded.version, facts = excluded.facts`,
  );
  const insertEvent = db.prepare("INSERT INTO events (type, at, device_id, data) VALUES (?, ?, ?, ?)");

  // Most snapshots report the same users as the last one; rewriting the rows each time was a
  // delete plus an insert per user on every snapshot.
  const replaceUsersIfChanged = (deviceId: string, usernames: string[]): void => {
    // What delete-and-reinsert would leave: the first spelling of each name (the column is NOCASE).
    const wanted = new Map<string, string>();
    for (const name of usernames) if (!wanted.has(name.toLowerCase())) wanted.set(name.toLowerCase(), name);
    const stored = currentUsers.all(deviceId);
    if (stored.length === wanted.size && stored.every((r) => wanted.get(r.username.toLowerCase()) === r.username)) return;
    clearUsers.run(deviceId);
    for (const name of wanted.values()) insertUser.run(deviceId, name);
  };

  const writeOne = (w: SnapshotRowWrite): SnapshotWriteResult => {
    const device = deviceState.get(w.deviceId);
    if (!device) return "unknown_device";
    if (device.revoked_at !== null) return "revoked_device";
    if (w.seq <= device.last_seq) return "replayed_seq";
    insertSnapshot.run({ deviceId: w.deviceId, seq: w.seq, collectedAt: w.collectedAt, receivedAt: w.receivedAt, body: w.body instanceof Uint8Array ? utf8Text(w.body) : w.body, signature: w.signature });
    if (w.view) putView.run(w.deviceId, w.seq, w.collectedAt, w.view.version, deflatedBuffer(w.view), w.view.crc32, w.view.length);
    if (w.policyFacts) putPolicyFacts.run(w.deviceId, w.seq, w.collectedAt, w.policyFacts.version, w.policyFacts.text);
    const { usernames, ...columns } = w.identity;
    if (identityChanges(device, columns)) {
      updateDeviceAndIdentity.run({ ...columns, deviceId: w.deviceId, seq: w.seq, receivedAt: w.receivedAt });
    } else {
      updateDeviceSeen.run(w.seq, w.receivedAt, w.deviceId);
    }
    replaceUsersIfChanged(w.deviceId, usernames);
    const over = firstOverCap.get(w.deviceId, historyLimit);
    if (over) prune.run(w.deviceId, over.seq);
    for (const e of w.events) insertEvent.run(e.type, e.at, e.deviceId, e.data);
    return "accepted";
  };
  // IMMEDIATE takes the write lock up front, so the in-transaction seq check cannot race another
  // connection (the main thread's, a second connector process) between read and write.
  const writeBatch = db.transaction((batch: SnapshotRowWrite[]) => batch.map(writeOne));
  return (batch) => writeBatch.immediate(batch);
}
