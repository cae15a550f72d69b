/**
 * Devices, enrollment and user bindings on PostgreSQL: the same contract as ../sqlite/devices.ts.
 * Every check that guards a write runs inside the transaction that writes (store.ts explains why).
 */
import type { BindOutcome, Device, DeviceBinding, DeviceQuery, DeviceStore, EnrollOutcome, NewEvent } from "../types.ts";
import type { PostgresAccess } from "./access.ts";
import { DEVICE_COLUMNS, deviceFromRow, deviceParams, groupBindings, type BindingRow, type DeviceRow, type EnrollTokenRow } from "./rows.ts";

export function createPostgresDeviceStore(db: PostgresAccess): DeviceStore {
  return {
  async enrollDevice(tokenHash: string, device: Device, now: number): Promise<EnrollOutcome> {
    return db.transaction(async (c) => {
      // FOR UPDATE: concurrent enrollments with one token queue here, so `uses` never overshoots.
      const { rows } = await c.query<EnrollTokenRow>(
        "SELECT id, label, username, created_at, expires_at, max_uses, uses, revoked_at FROM enroll_tokens WHERE hash = $1 FOR UPDATE",
        [tokenHash],
      );
      const token = rows[0];
      if (!token) return { ok: false, reason: "unknown_token" } as const;
      if (token.revoked_at !== null) return { ok: false, reason: "revoked_token" } as const;
      if (token.expires_at !== null && token.expires_at <= now) return { ok: false, reason: "expired_token" } as const;
      if (token.max_uses !== null && token.uses >= token.max_uses) return { ok: false, reason: "used_up_token" } as const;
      // Serialises enrollments of one key across tokens and replicas (devices_public_key is not
      // unique: databases from before the key check may hold a key twice).
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`facet.enroll.key:${device.publicKey}`]);
      const holder = await c.query<{ revoked_at: string | null }>(
        "SELECT revoked_at FROM devices WHERE public_key = $1 ORDER BY revoked_at IS NOT NULL LIMIT 1",
        [device.publicKey],
      );
      if (holder.rows[0]) return { ok: false, reason: holder.rows[0].revoked_at === null ? "key_in_use" : "key_revoked" } as const;
      await c.query("UPDATE enroll_tokens SET uses = uses + 1 WHERE id = $1", [token.id]);
      const inserted = await c.query<DeviceRow>(
        `INSERT INTO devices (${DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${DEVICE_COLUMNS}`,
        deviceParams(device),
      );
      await c.query("INSERT INTO events (type, at, device_id, data) VALUES ('device.enrolled', $1, $2, $3)", [
        now,
        device.id,
        JSON.stringify({ tokenId: token.id, platform: device.platform, hostname: device.hostname ?? null, boundUser: token.username }),
      ]);
      if (token.username !== null)
        await c.query("INSERT INTO device_bindings (device_id, username, source, bound_by, bound_at) VALUES ($1, $2, 'enrollment', $3, $4)", [device.id, token.username, token.id, now]);
      return { ok: true, device: deviceFromRow(inserted.rows[0]!) } as const;
    });
  },

  async getDevice(id: string): Promise<Device | null> {
    const { rows } = await db.pool.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [id]);
    return rows[0] ? deviceFromRow(rows[0]) : null;
  },

  async listDevices(q: DeviceQuery): Promise<Device[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (!q.includeRevoked) where.push("revoked_at IS NULL");
    if (q.serial !== undefined) where.push(`serial = ${p(q.serial)}`);
    if (q.platform !== undefined) where.push(`platform = ${p(q.platform)}`);
    if (q.hostname !== undefined) where.push(`lower(hostname) = lower(${p(q.hostname)})`);
    if (q.machineId !== undefined) where.push(`machine_id = ${p(q.machineId)}`);
    if (q.hardwareUuid !== undefined) where.push(`hardware_uuid = ${p(q.hardwareUuid.toLowerCase())}`);
    if (q.username !== undefined) where.push(`id IN (SELECT device_id FROM device_bindings WHERE lower(username) = lower(${p(q.username)}))`);
    if (q.claimedUsername !== undefined) {
      const u = p(q.claimedUsername);
      // Index lookups, not `OR EXISTS` (which walked every device in id order), as in findDevicesClaiming.
      where.push(
        `id IN (SELECT id FROM devices WHERE lower(username) = lower(${u}) UNION SELECT device_id FROM device_users WHERE lower(username) = lower(${u}))`,
      );
    }
    if (q.after !== undefined) where.push(`id > ${p(q.after)}`);
    const sql = `SELECT ${DEVICE_COLUMNS} FROM devices ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ${p(q.limit)} OFFSET ${p(q.offset ?? 0)}`;
    const { rows } = await db.pool.query<DeviceRow>(sql, params);
    return rows.map(deviceFromRow);
  },

  async findDevicesBoundTo(username: string): Promise<Device[]> {
    const { rows } = await db.pool.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices
        WHERE revoked_at IS NULL AND id IN (SELECT device_id FROM device_bindings WHERE lower(username) = lower($1))
        ORDER BY last_seen_at DESC NULLS LAST, id`,
      [username],
    );
    return rows.map(deviceFromRow);
  },

  async findDevicesClaiming(username: string): Promise<Device[]> {
    // A UNION of index lookups (devices_username, device_users_username): written as one OR with
    // a correlated EXISTS, the planner scanned every device row per call.
    const { rows } = await db.pool.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices
        WHERE revoked_at IS NULL
          AND id IN (SELECT id FROM devices WHERE lower(username) = lower($1)
                     UNION SELECT device_id FROM device_users WHERE lower(username) = lower($1))
        ORDER BY last_seen_at DESC NULLS LAST, id`,
      [username],
    );
    return rows.map(deviceFromRow);
  },

  async bindUser(b: DeviceBinding, event: NewEvent): Promise<BindOutcome> {
    return db.transaction(async (c) => {
      // FOR SHARE: a revocation racing this binding waits, so a revoked device never gains a user.
      const { rows } = await c.query<{ revoked_at: string | null }>("SELECT revoked_at FROM devices WHERE id = $1 FOR SHARE", [b.deviceId]);
      if (!rows[0]) return "no_device" as const;
      if (rows[0].revoked_at !== null) return "revoked_device" as const;
      const r = await c.query(
        "INSERT INTO device_bindings (device_id, username, source, bound_by, bound_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id, lower(username)) DO NOTHING",
        [b.deviceId, b.username, b.source, b.boundBy, b.boundAt],
      );
      if (r.rowCount !== 1) return "already_bound" as const;
      await c.query("INSERT INTO events (type, at, device_id, data) VALUES ($1, $2, $3, $4)", [event.type, event.at, event.deviceId, JSON.stringify(event.data)]);
      return "bound" as const;
    });
  },

  async unbindUser(deviceId: string, username: string, event: NewEvent): Promise<boolean> {
    return db.transaction(async (c) => {
      const r = await c.query("DELETE FROM device_bindings WHERE device_id = $1 AND lower(username) = lower($2)", [deviceId, username]);
      if (r.rowCount === 0) return false;
      await c.query("INSERT INTO events (type, at, device_id, data) VALUES ($1, $2, $3, $4)", [event.type, event.at, event.deviceId, JSON.stringify(event.data)]);
      return true;
    });
  },

  async bindingsOf(deviceIds: string[]): Promise<Map<string, DeviceBinding[]>> {
    if (deviceIds.length === 0) return new Map();
    const { rows } = await db.pool.query<BindingRow>(
      "SELECT device_id, username, source, bound_by, bound_at FROM device_bindings WHERE device_id = ANY($1) ORDER BY bound_at, username",
      [deviceIds],
    );
    return groupBindings(rows);
  },

  async revokeDevice(id: string, at: number): Promise<boolean> {
    const r = await db.pool.query("UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, at]);
    return r.rowCount === 1;
  },

  async touchDevice(id: string, at: number): Promise<void> {
    // GREATEST: two replicas touching the same device out of order never move last_seen back.
    await db.pool.query("UPDATE devices SET last_seen_at = GREATEST(COALESCE(last_seen_at, 0), $2) WHERE id = $1", [id, at]);
  },
  async countDevices(): Promise<number> {
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*) AS n FROM devices WHERE revoked_at IS NULL");
    return Number(rows[0]!.n);
  },
  };
}
