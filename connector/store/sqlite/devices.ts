/** Devices: enrollment (atomic with the token use), lookups, revocation. */
import type { Database, Statement } from "better-sqlite3";
import type { BindOutcome, Device, DeviceBinding, DeviceQuery, DeviceStore, EnrollOutcome, NewEvent } from "../types.ts";
import { deviceFromRow, groupBindings, type BindingRow, type DeviceRow } from "../rows.ts";

/** The columns of a Device, in DeviceTuple's order. */
const DEVICE_COLUMNS =
  "d.id, d.name, d.public_key, d.platform, d.serial, d.manufacturer, d.model, d.machine_id, d.hardware_uuid, d.hostname, d.username, d.enrolled_at, d.revoked_at, d.last_seq, d.last_seen_at";

/** A device row in the column order of DEVICE_COLUMNS. */
type DeviceTuple = [
  id: string, name: string | null, publicKey: string, platform: string | null, serial: string | null, manufacturer: string | null,
  model: string | null, machineId: string | null, hardwareUuid: string | null, hostname: string | null, username: string | null,
  enrolledAt: number, revokedAt: number | null, lastSeq: number, lastSeenAt: number | null,
];

function deviceFromTuple(r: DeviceTuple): Device {
  return {
    id: r[0], name: r[1], publicKey: r[2], platform: r[3], serial: r[4], manufacturer: r[5], model: r[6], machineId: r[7],
    hardwareUuid: r[8], hostname: r[9], username: r[10], enrolledAt: r[11], revokedAt: r[12], lastSeq: r[13], lastSeenAt: r[14],
  };
}

interface EnrollTokenRow {
  id: string;
  username: string | null;
  expires_at: number | null;
  max_uses: number | null;
  uses: number;
  revoked_at: number | null;
}

export function createDeviceStore(db: Database): DeviceStore {
  const findToken = db.prepare<[string], EnrollTokenRow>(
    "SELECT id, username, expires_at, max_uses, uses, revoked_at FROM enroll_tokens WHERE hash = ?",
  );
  const useToken = db.prepare<[string]>("UPDATE enroll_tokens SET uses = uses + 1 WHERE id = ?");
  const insertDevice = db.prepare(
    `INSERT INTO devices (id, name, public_key, platform, serial, manufacturer, model, machine_id, hardware_uuid,
                          hostname, username, enrolled_at, revoked_at, last_seq, last_seen_at)
     VALUES (@id, @name, @publicKey, @platform, @serial, @manufacturer, @model, @machineId, @hardwareUuid,
             @hostname, @username, @enrolledAt, @revokedAt, @lastSeq, @lastSeenAt)`,
  );
  const insertEvent = db.prepare("INSERT INTO events (type, at, device_id, data) VALUES (?, ?, ?, ?)");
  // Every GET /v1/devices/{id}, endpoint check and ingested snapshot reads one device by id: read
  // as an array (`raw`), the row costs less than with named columns (docs/performance.md).
  const getDevice = db.prepare<[string], DeviceTuple>(`SELECT ${DEVICE_COLUMNS} FROM devices d WHERE id = ?`).raw();
  // Live devices first, so a key both live and revoked (enrolled before this check existed) reads as in use.
  const byPublicKey = db.prepare<[string], { revoked_at: number | null }>(
    "SELECT revoked_at FROM devices WHERE public_key = ? ORDER BY revoked_at IS NOT NULL LIMIT 1",
  );
  const revoke = db.prepare<[number, string]>("UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  const touch = db.prepare<[number, string]>(
    "UPDATE devices SET last_seen_at = max(coalesce(last_seen_at, 0), ?) WHERE id = ?",
  );
  // A sign-in naming a user reads this: as tuples, like getDevice.
  const boundTo = db
    .prepare<{ u: string }, DeviceTuple>(
      `SELECT ${DEVICE_COLUMNS} FROM device_bindings b JOIN devices d ON d.id = b.device_id
        WHERE b.username = @u AND d.revoked_at IS NULL
        ORDER BY d.last_seen_at DESC, d.id`,
    )
    .raw();
  // A UNION of index lookups: written as one OR with a correlated EXISTS, SQLite scanned every device row.
  const claiming = db.prepare<{ u: string }, DeviceRow>(
    `SELECT * FROM devices d
      WHERE d.revoked_at IS NULL
        AND d.id IN (SELECT id FROM devices WHERE username = @u COLLATE NOCASE
                     UNION SELECT device_id FROM device_users WHERE username = @u)
      ORDER BY d.last_seen_at DESC, d.id`,
  );
  const insertBinding = db.prepare<[string, string, string, string, number]>(
    "INSERT OR IGNORE INTO device_bindings (device_id, username, source, bound_by, bound_at) VALUES (?, ?, ?, ?, ?)",
  );
  const deleteBinding = db.prepare<[string, string]>("DELETE FROM device_bindings WHERE device_id = ? AND username = ?");
  const deviceState = db.prepare<[string], { revoked_at: number | null }>("SELECT revoked_at FROM devices WHERE id = ?");
  const countLive = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM devices WHERE revoked_at IS NULL");
  const recordEvent = (e: NewEvent) => insertEvent.run(e.type, e.at, e.deviceId, JSON.stringify(e.data));

  const listStatements = new Map<string, Statement<Record<string, unknown>, DeviceTuple>>();
  // A sign-in naming a user reads one device's bindings: preparing the statement cost more than running it.
  const bindingStatements = new Map<number, Statement<string[], BindingRow>>();
  const bindingsFor = (n: number): Statement<string[], BindingRow> => {
    let statement = bindingStatements.get(n);
    if (!statement) {
      statement = db.prepare<string[], BindingRow>(`SELECT device_id, username, source, bound_by, bound_at FROM device_bindings WHERE device_id IN (${Array(n).fill("?").join(",")}) ORDER BY bound_at, username`);
      // Lists of every length up to the chunk size are possible: keep the common short ones only.
      if (n <= 8) bindingStatements.set(n, statement);
    }
    return statement;
  };

  const enroll = db.transaction((tokenHash: string, device: Device, now: number): EnrollOutcome => {
    const token = findToken.get(tokenHash);
    if (!token) return { ok: false, reason: "unknown_token" };
    if (token.revoked_at !== null) return { ok: false, reason: "revoked_token" };
    if (token.expires_at !== null && token.expires_at <= now) return { ok: false, reason: "expired_token" };
    if (token.max_uses !== null && token.uses >= token.max_uses) return { ok: false, reason: "used_up_token" };
    const holder = byPublicKey.get(device.publicKey);
    if (holder) return { ok: false, reason: holder.revoked_at === null ? "key_in_use" : "key_revoked" };
    useToken.run(token.id);
    insertDevice.run({ hardwareUuid: null, hostname: null, ...device });
    insertEvent.run(
      "device.enrolled",
      now,
      device.id,
      JSON.stringify({ tokenId: token.id, platform: device.platform, hostname: device.hostname ?? null, boundUser: token.username }),
    );
    if (token.username !== null) insertBinding.run(device.id, token.username, "enrollment", token.id, now);
    return { ok: true, device: deviceFromTuple(getDevice.get(device.id)!) };
  });

  const bind = db.transaction((b: DeviceBinding, event: NewEvent): BindOutcome => {
    const state = deviceState.get(b.deviceId);
    if (!state) return "no_device";
    if (state.revoked_at !== null) return "revoked_device";
    if (insertBinding.run(b.deviceId, b.username, b.source, b.boundBy, b.boundAt).changes === 0) return "already_bound";
    recordEvent(event);
    return "bound";
  });
  const unbind = db.transaction((deviceId: string, username: string, event: NewEvent): boolean => {
    if (deleteBinding.run(deviceId, username).changes === 0) return false;
    recordEvent(event);
    return true;
  });

  return {
    async enrollDevice(tokenHash, device, now) {
      return enroll.immediate(tokenHash, device, now);
    },
    async getDevice(id) {
      const r = getDevice.get(id);
      return r ? deviceFromTuple(r) : null;
    },
    async listDevices(query: DeviceQuery) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: query.limit };
      if (!query.includeRevoked) where.push("d.revoked_at IS NULL");
      if (query.serial !== undefined) (where.push("d.serial = @serial"), (params.serial = query.serial));
      if (query.hostname !== undefined) (where.push("d.hostname = @hostname COLLATE NOCASE"), (params.hostname = query.hostname));
      if (query.platform !== undefined) (where.push("d.platform = @platform"), (params.platform = query.platform));
      if (query.machineId !== undefined) (where.push("d.machine_id = @machineId"), (params.machineId = query.machineId));
      if (query.hardwareUuid !== undefined) {
        where.push("d.hardware_uuid = @hardwareUuid");
        params.hardwareUuid = query.hardwareUuid.toLowerCase();
      }
      if (query.username !== undefined) {
        where.push("d.id IN (SELECT device_id FROM device_bindings WHERE username = @username)");
        params.username = query.username;
      }
      if (query.claimedUsername !== undefined) {
        // Index lookups, not `OR EXISTS` (which scanned every device), as in `claiming` above.
        where.push(
          "d.id IN (SELECT id FROM devices WHERE username = @claimed COLLATE NOCASE UNION SELECT device_id FROM device_users WHERE username = @claimed)",
        );
        params.claimed = query.claimedUsername;
      }
      if (query.after !== undefined) (where.push("d.id > @after"), (params.after = query.after));
      params.offset = query.offset ?? 0;
      const sql = `SELECT ${DEVICE_COLUMNS} FROM devices d ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY d.id LIMIT @limit OFFSET @offset`;
      let statement = listStatements.get(sql);
      if (!statement) {
        // The WHERE clause comes from a fixed set of filters, so there are few distinct statements.
        // Tuples, like getDevice: a sign-in naming a serial reads this.
        statement = db.prepare<Record<string, unknown>, DeviceTuple>(sql).raw();
        listStatements.set(sql, statement);
      }
      return statement.all(params).map(deviceFromTuple);
    },
    async findDevicesBoundTo(username) {
      return boundTo.all({ u: username }).map(deviceFromTuple);
    },
    async findDevicesClaiming(username) {
      return claiming.all({ u: username }).map(deviceFromRow);
    },
    async bindUser(binding, event) {
      return bind.immediate(binding, event);
    },
    async unbindUser(deviceId, username, event) {
      return unbind.immediate(deviceId, username, event);
    },
    async bindingsOf(deviceIds) {
      if (deviceIds.length === 0) return new Map();
      const rows: BindingRow[] = [];
      // Chunks stay under SQLite's bound-parameter limit.
      for (let i = 0; i < deviceIds.length; i += 500) {
        const chunk = deviceIds.slice(i, i + 500);
        rows.push(...bindingsFor(chunk.length).all(...chunk));
      }
      return groupBindings(rows);
    },
    async revokeDevice(id, at) {
      return revoke.run(at, id).changes > 0;
    },
    async touchDevice(id, at) {
      touch.run(at, id);
    },
    async countDevices() {
      return countLive.get()!.n;
    },
  };
}
