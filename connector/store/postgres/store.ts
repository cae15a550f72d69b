/**
 * The PostgreSQL Store: the same contract as the SQLite store, for several connector replicas
 * sharing one database.
 *
 * Every check that guards a write (seq greater than the last accepted, device live, token uses
 * left) happens inside the SQL that writes, so two replicas racing on the same device or token
 * cannot both win: the row lock taken by `UPDATE … WHERE …` serialises them and the loser sees the
 * winner's row when PostgreSQL re-checks the condition.
 */
import type pg from "pg";
import type {
  ApiToken,
  BindOutcome,
  Device,
  DeviceBinding,
  DeviceQuery,
  EnrollOutcome,
  EnrollToken,
  EventQuery,
  EventRetention,
  FactEvent,
  NewEvent,
  SnapshotWrite,
  SnapshotWriteResult,
  Store,
  StoredSnapshot,
} from "../types.ts";
import { timingSafeEqual } from "node:crypto";
import { createPool, parsePostgresLocation, quoteIdent, type PostgresLocation } from "./connection.ts";
import { migrate, type MigrationReport } from "./migrations.ts";
import { createPostgresFleetStore } from "./fleet.ts";
import { createPostgresPolicyStore } from "./policies.ts";
import { applySnapshotBatch } from "./snapshot-batch.ts";
import {
  DEVICE_COLUMNS,
  SNAPSHOT_COLUMNS,
  apiTokenFromRow,
  deviceFromRow,
  deviceParams,
  enrollTokenFromRow,
  eventFromRow,
  groupBindings,
  type BindingRow,
  snapshotFromRow,
  type ApiTokenRow,
  type DeviceRow,
  type EnrollTokenRow,
  type EventRow,
  type SnapshotRow,
} from "./rows.ts";

export interface PostgresStoreOptions {
  /** Snapshots kept per device, the latest included. */
  historyLimit?: number;
  /** Pool size per replica. */
  poolSize?: number;
  applicationName?: string;
  /** Apply pending migrations on open (default true). With false, open fails if any are pending. */
  migrate?: boolean;
  /** Called for errors on idle connections (the pool replaces them); log, do not throw. */
  onConnectionError?: (err: Error) => void;
}

export const DEFAULT_HISTORY_LIMIT = 20;

/** Coordination tables: they change as agents come and go, not as data is written. */
const NOT_COUNTED = new Set(["schema_migrations", "presence", "replicas"]);

/** PostgreSQL error codes worth one more try: the transaction did nothing and may succeed now. */
const RETRYABLE = new Set(["40001", "40P01"]);

export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  readonly pool: pg.Pool;
  readonly location: PostgresLocation;
  private readonly historyLimit: number;
  private countable: string[] | undefined;
  private closed = false;

  private constructor(location: PostgresLocation, pool: pg.Pool, historyLimit: number) {
    this.location = location;
    this.pool = pool;
    this.historyLimit = historyLimit;
  }

  /** Connects, applies pending migrations (under an advisory lock), and returns the store. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const location = parsePostgresLocation(url);
    const pool = createPool(location, {
      max: options.poolSize ?? 10,
      applicationName: options.applicationName ?? "facet-connector",
      onError: options.onConnectionError ?? (() => {}),
    });
    const store = new PostgresStore(location, pool, Math.max(1, options.historyLimit ?? DEFAULT_HISTORY_LIMIT));
    try {
      if (options.migrate === false) await store.assertMigrated();
      else await store.migrate();
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return store;
  }

  async migrate(): Promise<MigrationReport> {
    const client = await this.pool.connect();
    try {
      return await migrate(client, this.location.schema);
    } finally {
      client.release();
    }
  }

  private async assertMigrated(): Promise<void> {
    const { MIGRATIONS } = await import("./migrations.ts");
    const want = Math.max(...MIGRATIONS.map((m) => m.version));
    const { rows } = await this.pool
      .query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations")
      .catch(() => ({ rows: [{ v: null }] }));
    const have = rows[0]?.v ?? 0;
    if (have !== want) throw new Error(`database schema is at version ${have}, this Facet needs ${want}: run \`facet-connector migrate\``);
  }

  /** Runs fn in one transaction on one connection; retries once on deadlock or serialization failure. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await fn(client);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackErr) {
          // The connection itself failed: do not hand it back to the pool.
          broken = rollbackErr as Error;
        }
        const code = (err as { code?: string }).code;
        if (attempt < 3 && code && RETRYABLE.has(code)) continue;
        throw err;
      } finally {
        client.release(broken);
      }
    }
  }

  // ——— tokens ———

  async createApiToken(token: ApiToken, hash: string): Promise<void> {
    await this.pool.query("INSERT INTO api_tokens (id, name, scopes, hash, created_at, revoked_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6)", [
      token.id,
      token.name,
      JSON.stringify(token.scopes),
      hash,
      token.createdAt,
      token.revokedAt,
    ]);
  }

  async findApiTokenByHash(hash: string): Promise<ApiToken | null> {
    const { rows } = await this.pool.query<ApiTokenRow>(
      "SELECT id, name, scopes, hash, created_at, revoked_at FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL",
      [hash],
    );
    const row = rows[0] as (ApiTokenRow & { hash: string }) | undefined;
    // The index lookup already matched; the constant-time compare keeps the final decision free
    // of a data-dependent early exit whatever the database does.
    return row && sameDigest(row.hash, hash) ? apiTokenFromRow(row) : null;
  }

  async listApiTokens(): Promise<ApiToken[]> {
    const { rows } = await this.pool.query<ApiTokenRow>("SELECT id, name, scopes, created_at, revoked_at FROM api_tokens ORDER BY created_at, id");
    return rows.map(apiTokenFromRow);
  }

  async revokeApiToken(id: string, at: number): Promise<boolean> {
    const r = await this.pool.query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, at]);
    return r.rowCount === 1;
  }

  async createEnrollToken(token: EnrollToken, hash: string): Promise<void> {
    await this.pool.query(
      "INSERT INTO enroll_tokens (id, label, username, hash, created_at, expires_at, max_uses, uses, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      [token.id, token.label, token.username ?? null, hash, token.createdAt, token.expiresAt, token.maxUses, token.uses, token.revokedAt],
    );
  }

  async listEnrollTokens(): Promise<EnrollToken[]> {
    const { rows } = await this.pool.query<EnrollTokenRow>(
      "SELECT id, label, username, created_at, expires_at, max_uses, uses, revoked_at FROM enroll_tokens ORDER BY created_at, id",
    );
    return rows.map(enrollTokenFromRow);
  }

  async revokeEnrollToken(id: string, at: number): Promise<boolean> {
    const r = await this.pool.query("UPDATE enroll_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, at]);
    return r.rowCount === 1;
  }

  // ——— devices ———

  async enrollDevice(tokenHash: string, device: Device, now: number): Promise<EnrollOutcome> {
    return this.transaction(async (c) => {
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
  }

  async getDevice(id: string): Promise<Device | null> {
    const { rows } = await this.pool.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [id]);
    return rows[0] ? deviceFromRow(rows[0]) : null;
  }

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
    const { rows } = await this.pool.query<DeviceRow>(sql, params);
    return rows.map(deviceFromRow);
  }

  async findDevicesBoundTo(username: string): Promise<Device[]> {
    const { rows } = await this.pool.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices
        WHERE revoked_at IS NULL AND id IN (SELECT device_id FROM device_bindings WHERE lower(username) = lower($1))
        ORDER BY last_seen_at DESC NULLS LAST, id`,
      [username],
    );
    return rows.map(deviceFromRow);
  }

  async findDevicesClaiming(username: string): Promise<Device[]> {
    // A UNION of index lookups (devices_username, device_users_username): written as one OR with
    // a correlated EXISTS, the planner scanned every device row per call.
    const { rows } = await this.pool.query<DeviceRow>(
      `SELECT ${DEVICE_COLUMNS} FROM devices
        WHERE revoked_at IS NULL
          AND id IN (SELECT id FROM devices WHERE lower(username) = lower($1)
                     UNION SELECT device_id FROM device_users WHERE lower(username) = lower($1))
        ORDER BY last_seen_at DESC NULLS LAST, id`,
      [username],
    );
    return rows.map(deviceFromRow);
  }

  async bindUser(b: DeviceBinding, event: NewEvent): Promise<BindOutcome> {
    return this.transaction(async (c) => {
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
  }

  async unbindUser(deviceId: string, username: string, event: NewEvent): Promise<boolean> {
    return this.transaction(async (c) => {
      const r = await c.query("DELETE FROM device_bindings WHERE device_id = $1 AND lower(username) = lower($2)", [deviceId, username]);
      if (r.rowCount === 0) return false;
      await c.query("INSERT INTO events (type, at, device_id, data) VALUES ($1, $2, $3, $4)", [event.type, event.at, event.deviceId, JSON.stringify(event.data)]);
      return true;
    });
  }

  async bindingsOf(deviceIds: string[]): Promise<Map<string, DeviceBinding[]>> {
    if (deviceIds.length === 0) return new Map();
    const { rows } = await this.pool.query<BindingRow>(
      "SELECT device_id, username, source, bound_by, bound_at FROM device_bindings WHERE device_id = ANY($1) ORDER BY bound_at, username",
      [deviceIds],
    );
    return groupBindings(rows);
  }

  async revokeDevice(id: string, at: number): Promise<boolean> {
    const r = await this.pool.query("UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, at]);
    return r.rowCount === 1;
  }

  async touchDevice(id: string, at: number): Promise<void> {
    // GREATEST: two replicas touching the same device out of order never move last_seen back.
    await this.pool.query("UPDATE devices SET last_seen_at = GREATEST(COALESCE(last_seen_at, 0), $2) WHERE id = $1", [id, at]);
  }

  // ——— snapshots ———

  async writeSnapshots(batch: SnapshotWrite[]): Promise<SnapshotWriteResult[]> {
    if (batch.length === 0) return [];
    // Two statements per batch whatever its size (./snapshot-batch.ts); the seq check runs under
    // the devices' row locks, so two replicas racing on one device cannot both accept a seq.
    return this.transaction((c) => applySnapshotBatch(c, batch, this.historyLimit));
  }

  async latestSnapshot(deviceId: string): Promise<StoredSnapshot | null> {
    const m = await this.latestSnapshots([deviceId]);
    return m.get(deviceId) ?? null;
  }

  async latestSnapshots(deviceIds: string[]): Promise<Map<string, StoredSnapshot>> {
    const out = new Map<string, StoredSnapshot>();
    if (deviceIds.length === 0) return out;
    const { rows } = await this.pool.query<SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS.split(", ").map((c) => `s.${c}`).join(", ")}
         FROM devices d JOIN snapshots s ON s.device_id = d.id AND s.seq = d.last_seq
        WHERE d.id = ANY($1::text[])`,
      [deviceIds],
    );
    for (const r of rows) out.set(r.device_id, snapshotFromRow(r));
    return out;
  }

  async snapshotHistory(deviceId: string, limit: number): Promise<StoredSnapshot[]> {
    const { rows } = await this.pool.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE device_id = $1 ORDER BY seq DESC LIMIT $2`, [
      deviceId,
      limit,
    ]);
    return rows.map(snapshotFromRow);
  }

  // ——— events ———

  async recordEvent(e: NewEvent): Promise<void> {
    await this.pool.query("INSERT INTO events (type, at, device_id, data) VALUES ($1, $2, $3, $4)", [e.type, e.at, e.deviceId, JSON.stringify(e.data)]);
  }

  async recordEvents(events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.pool.query(
      "INSERT INTO events (type, at, device_id, data) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])",
      [events.map((e) => e.type), events.map((e) => e.at), events.map((e) => e.deviceId), events.map((e) => JSON.stringify(e.data))],
    );
  }

  async listEvents(q: EventQuery): Promise<FactEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.types && q.types.length > 0) where.push(`type = ANY(${p(q.types)}::text[])`);
    if (q.typePrefix !== undefined) where.push(`starts_with(type, ${p(q.typePrefix)})`);
    if (q.deviceId !== undefined) where.push(`device_id = ${p(q.deviceId)}`);
    if (q.since !== undefined) where.push(`at >= ${p(q.since)}`);
    if (q.afterId !== undefined) where.push(`id > ${p(q.afterId)}`);
    if (q.beforeId !== undefined) where.push(`id < ${p(q.beforeId)}`);
    const sql = `SELECT id, type, at, device_id, data FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id ${q.newestFirst ? "DESC" : ""} LIMIT ${p(q.limit)}`;
    const { rows } = await this.pool.query<EventRow>(sql, params);
    return rows.map(eventFromRow);
  }

  /** Batched like the SQLite store, so a large backlog never holds row locks or WAL for long. */
  async pruneEvents(retention: EventRetention): Promise<number> {
    const batch = retention.batchSize ?? 5000;
    const deleteInBatches = async (where: string, params: unknown[]): Promise<number> => {
      const n = params.length;
      const sql = `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ${where} ORDER BY id LIMIT $${n + 1})`;
      let total = 0;
      for (;;) {
        const { rowCount } = await this.pool.query(sql, [...params, batch]);
        total += rowCount ?? 0;
        if ((rowCount ?? 0) < batch) return total;
      }
    };
    let deleted = 0;
    const typed = Object.entries(retention.beforeByType ?? {});
    for (const [type, before] of typed) deleted += await deleteInBatches("type = $1 AND at < $2", [type, before]);
    if (retention.before !== undefined) {
      deleted += await deleteInBatches("at < $1 AND NOT (type = ANY($2::text[]))", [retention.before, typed.map(([type]) => type)]);
    }
    if (retention.maxRows !== undefined) {
      // Each class keeps its own newest maxRows (types.ts EventRetention.auditTypes).
      const audit = [...(retention.auditTypes ?? [])];
      const classes = audit.length === 0 ? [null] : ["type = ANY($2::text[])", "NOT (type = ANY($2::text[]))"];
      for (const where of classes) {
        const { rows } = await this.pool.query<{ id: string }>(
          `SELECT id FROM events ${where ? `WHERE ${where.replace("$2", "$1")}` : ""} ORDER BY id DESC LIMIT 1 OFFSET ${where ? "$2" : "$1"}`,
          where ? [audit, retention.maxRows] : [retention.maxRows],
        );
        if (rows[0]) deleted += await deleteInBatches(`id <= $1${where ? ` AND ${where}` : ""}`, where ? [rows[0].id, audit] : [rows[0].id]);
      }
    }
    return deleted;
  }

  // ——— settings ———

  async getSetting<T = unknown>(key: string): Promise<T | null> {
    const { rows } = await this.pool.query<{ value: string }>("SELECT value FROM settings WHERE key = $1", [key]);
    return rows[0] ? (JSON.parse(rows[0].value) as T) : null;
  }

  async putSetting(key: string, value: unknown): Promise<void> {
    await this.pool.query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [
      key,
      JSON.stringify(value),
    ]);
  }

  async insertSettingIfAbsent<T = unknown>(key: string, value: T): Promise<T> {
    const inserted = await this.pool.query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [key, JSON.stringify(value)]);
    if (inserted.rowCount === 1) return value;
    // Lost the race (or the key existed): the committed row is the answer. Settings are never deleted.
    return (await this.getSetting<T>(key))!;
  }

  // ——— policies and compliance (./policies.ts) ———

  private readonly policies = createPostgresPolicyStore(this);
  createPolicy: Store["createPolicy"] = (p, e) => this.policies.createPolicy(p, e);
  getPolicy: Store["getPolicy"] = (id) => this.policies.getPolicy(id);
  getPolicies: Store["getPolicies"] = (ids) => this.policies.getPolicies(ids);
  listPolicies: Store["listPolicies"] = () => this.policies.listPolicies();
  replacePolicy: Store["replacePolicy"] = (next, describe) => this.policies.replacePolicy(next, describe);
  deletePolicy: Store["deletePolicy"] = (id, describe) => this.policies.deletePolicy(id, describe);
  getCheckStates: Store["getCheckStates"] = (deviceId, policyIds) => this.policies.getCheckStates(deviceId, policyIds);
  getCompliance: Store["getCompliance"] = (deviceId) => this.policies.getCompliance(deviceId);
  recordCompliance: Store["recordCompliance"] = (writes) => this.policies.recordCompliance(writes);
  private get fleet() {
    return (this.fleetStore ??= createPostgresFleetStore(this.pool));
  }
  private fleetStore: ReturnType<typeof createPostgresFleetStore> | undefined;
  listFleet: Store["listFleet"] = (q) => this.fleet.listFleet(q);
  countFleet: Store["countFleet"] = (q) => this.fleet.countFleet(q);
  complianceSummaries: Store["complianceSummaries"] = (ids) => this.fleet.complianceSummaries(ids);

  // ——— housekeeping ———

  async counts(): Promise<Record<string, number>> {
    this.countable ??= (
      await this.pool.query<{ t: string }>(
        "SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema() AND NOT (tablename = ANY($1::text[])) ORDER BY tablename",
        [[...NOT_COUNTED]],
      )
    ).rows.map((r) => r.t);
    if (this.countable.length === 0) return {};
    const { rows } = await this.pool.query<{ t: string; n: number }>(
      this.countable.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${quoteIdent(t)}`).join(" UNION ALL "),
    );
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Equal-length hex digests compared without an early exit. */
function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

export function openPostgresStore(url: string, options?: PostgresStoreOptions): Promise<PostgresStore> {
  return PostgresStore.open(url, options);
}
