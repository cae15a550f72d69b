/**
 * `writeSnapshots` on PostgreSQL in a constant number of statements per batch, whatever its size:
 * one that locks the batch's devices, one that applies every item. A round trip per snapshot
 * capped a replica at a few hundred snapshots a second; the connector's batcher hands over up to
 * 256 at a time, and here they cost the same four round trips (BEGIN, lock, apply, COMMIT) as one
 * (more apply statements only when the bodies exceed MAX_STATEMENT_BODY_BYTES).
 *
 * The result is the same as applying the items one by one in batch order (the SQLite store's
 * semantics): an item is accepted when its device exists, is live, and its seq is greater than
 * the device's last accepted seq *and* than every earlier item's seq for that device in this batch
 * (a running maximum, computed with a window function).
 */
import type pg from "pg";
import { identityFromFacts } from "../identity.ts";
import type { SnapshotWrite, SnapshotWriteResult } from "../types.ts";
import { deflatedBuffer } from "../deflated-view.ts";
import { bodySize } from "../lazy-snapshot.ts";

/**
 * Locks the devices of the batch in id order, so two replicas writing overlapping batches queue
 * instead of deadlocking, and returns the ids that exist. After this, no other transaction can
 * change those rows' last_seq or revoked_at until this one commits: the apply statement, which
 * reads them again under a fresh READ COMMITTED snapshot, judges every item on settled values.
 */
const LOCK_DEVICES = "SELECT id FROM devices WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE";

/**
 * Every write of the batch in one statement. Data-modifying CTEs all run against the snapshot
 * taken at the statement's start, so each works from `judged` rather than from the others'
 * output; the history trim accounts for the rows this statement inserts (`fresh.k`).
 */
const APPLY_BATCH = `
WITH items AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                       $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                       $23::integer[], $24::bytea[], $25::integer[], $26::text[], $27::bigint[], $28::integer[])
         WITH ORDINALITY AS i(device_id, seq, collected_at, received_at, body, signature,
                              serial, manufacturer, model, platform, machine_id, hardware_uuid, hostname,
                              view_version, view_deflated, policy_facts_version, policy_facts, view_crc32, view_length, n)
), judged AS (
  SELECT i.*,
         CASE
           WHEN d.id IS NULL THEN 'unknown_device'
           WHEN d.revoked_at IS NOT NULL THEN 'revoked_device'
           WHEN i.seq > GREATEST(d.last_seq, COALESCE(max(i.seq) OVER (
                  PARTITION BY i.device_id ORDER BY i.n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))
             THEN 'accepted'
           ELSE 'replayed_seq'
         END AS result
    FROM items i
    LEFT JOIN devices d ON d.id = i.device_id AND d.id = ANY($21::text[])
), accepted AS (
  SELECT *, row_number() OVER (PARTITION BY device_id ORDER BY n DESC) AS newest_rank
    FROM judged WHERE result = 'accepted'
), fresh AS (
  -- Per device: the last accepted item and, per identity column, the last non-null value
  -- (a fact that turned unknown keeps the last known identity, as item-by-item would).
  SELECT device_id,
         max(seq) AS seq,
         max(n) AS n,
         count(*) AS k,
         max(received_at) AS received_at,
         (array_agg(serial ORDER BY n DESC) FILTER (WHERE serial IS NOT NULL))[1] AS serial,
         (array_agg(manufacturer ORDER BY n DESC) FILTER (WHERE manufacturer IS NOT NULL))[1] AS manufacturer,
         (array_agg(model ORDER BY n DESC) FILTER (WHERE model IS NOT NULL))[1] AS model,
         (array_agg(platform ORDER BY n DESC) FILTER (WHERE platform IS NOT NULL))[1] AS platform,
         (array_agg(machine_id ORDER BY n DESC) FILTER (WHERE machine_id IS NOT NULL))[1] AS machine_id,
         (array_agg(hardware_uuid ORDER BY n DESC) FILTER (WHERE hardware_uuid IS NOT NULL))[1] AS hardware_uuid,
         (array_agg(hostname ORDER BY n DESC) FILTER (WHERE hostname IS NOT NULL))[1] AS hostname
    FROM accepted GROUP BY device_id
), upd AS (
  UPDATE devices d
     SET last_seq = f.seq,
         last_seen_at = GREATEST(COALESCE(d.last_seen_at, 0), f.received_at),
         serial = COALESCE(f.serial, d.serial), manufacturer = COALESCE(f.manufacturer, d.manufacturer),
         model = COALESCE(f.model, d.model), platform = COALESCE(f.platform, d.platform),
         machine_id = COALESCE(f.machine_id, d.machine_id), hardware_uuid = COALESCE(f.hardware_uuid, d.hardware_uuid),
         hostname = COALESCE(f.hostname, d.hostname)
    FROM fresh f
   WHERE d.id = f.device_id
), ins AS (
  -- Items the cap would prune at once (more accepted in one batch than the history keeps) are
  -- never inserted: same end state, less work.
  INSERT INTO snapshots (device_id, seq, collected_at, received_at, body, signature)
  SELECT device_id, seq, collected_at, received_at, body, signature FROM accepted WHERE newest_rank <= $22
), trimmed AS (
  -- Older rows beyond what the cap leaves room for after this batch's k new ones.
  DELETE FROM snapshots s
   USING (SELECT o.device_id, o.seq
            FROM (SELECT device_id, seq, row_number() OVER (PARTITION BY device_id ORDER BY seq DESC) AS r
                    FROM snapshots WHERE device_id IN (SELECT device_id FROM fresh)) o
            JOIN fresh f ON f.device_id = o.device_id
           WHERE o.r > $22 - f.k) old
   WHERE s.device_id = old.device_id AND s.seq = old.seq
), users AS (
  SELECT u.item, u.name, u.k FROM unnest($14::bigint[], $15::text[]) WITH ORDINALITY AS u(item, name, k)
), gone_users AS (
  -- The usernames are those of each device's latest accepted snapshot.
  DELETE FROM device_users du
   USING fresh f
   WHERE du.device_id = f.device_id
     AND NOT EXISTS (SELECT 1 FROM users u WHERE u.item = f.n AND lower(u.name) = lower(du.username))
), new_users AS (
  -- A name whose case changed takes the latest snapshot's spelling, as on SQLite (which rewrites
  -- the rows); within one snapshot the first spelling of a name wins (DISTINCT ON), which also
  -- keeps ON CONFLICT from touching one row twice.
  INSERT INTO device_users (device_id, username)
  SELECT DISTINCT ON (f.device_id, lower(u.name)) f.device_id, u.name
    FROM fresh f JOIN users u ON u.item = f.n
   ORDER BY f.device_id, lower(u.name), u.k
  ON CONFLICT (device_id, lower(username)) DO UPDATE SET username = EXCLUDED.username
   WHERE device_users.username IS DISTINCT FROM EXCLUDED.username
), views AS (
  -- The view of each device's newest snapshot in the batch, when it carries one.
  INSERT INTO snapshot_views (device_id, seq, collected_at, version, deflated, crc32, length)
  SELECT device_id, seq, collected_at, view_version, view_deflated, view_crc32, view_length FROM accepted WHERE newest_rank = 1 AND view_deflated IS NOT NULL
  ON CONFLICT (device_id) DO UPDATE
     SET seq = EXCLUDED.seq, collected_at = EXCLUDED.collected_at, version = EXCLUDED.version,
         deflated = EXCLUDED.deflated, crc32 = EXCLUDED.crc32, length = EXCLUDED.length
), policy_facts AS (
  -- Likewise the policy facts (lookup/policy-snapshot.ts).
  INSERT INTO snapshot_policy_facts (device_id, seq, collected_at, version, facts)
  SELECT device_id, seq, collected_at, policy_facts_version, policy_facts FROM accepted WHERE newest_rank = 1 AND policy_facts IS NOT NULL
  ON CONFLICT (device_id) DO UPDATE
     SET seq = EXCLUDED.seq, collected_at = EXCLUDED.collected_at, version = EXCLUDED.version, facts = EXCLUDED.facts
), ev AS (
  -- Only accepted items' events, in batch order then the order given.
  INSERT INTO events (type, at, device_id, data)
  SELECT e.type, e.at, e.device_id, e.data
    FROM unnest($16::bigint[], $17::text[], $18::bigint[], $19::text[], $20::text[]) WITH ORDINALITY AS e(item, type, at, device_id, data, m)
    JOIN accepted a ON a.n = e.item
   ORDER BY e.m
)
SELECT result FROM judged ORDER BY n`;

/** The apply statement's parameters: one array per column, items in batch order (1-based `n`). */
export function batchParams(batch: SnapshotWrite[], lockedIds: string[], historyLimit: number): unknown[] {
  const columns: unknown[][] = Array.from({ length: 13 }, () => []);
  const userItem: number[] = [];
  const userName: string[] = [];
  const evItem: number[] = [];
  const evType: string[] = [];
  const evAt: number[] = [];
  const evDevice: (string | null)[] = [];
  const evData: string[] = [];
  const viewVersion: (number | null)[] = [];
  const viewDeflated: (Buffer | null)[] = [];
  const viewCrc32: (number | null)[] = [];
  const viewLength: (number | null)[] = [];
  const policyFactsVersion: (number | null)[] = [];
  const policyFactsText: (string | null)[] = [];
  batch.forEach(({ snapshot: s, events, identity, view, policyFacts }, index) => {
    const id = identity ?? identityFromFacts(s.facts);
    const row = [
      s.deviceId, s.seq, s.collectedAt, s.receivedAt, s.body, s.signature,
      noNul(id.serial), noNul(id.manufacturer), noNul(id.model), noNul(id.platform),
      noNul(id.machineId), noNul(id.hardwareUuid), noNul(id.hostname),
    ];
    row.forEach((v, c) => columns[c]!.push(v));
    viewVersion.push(view?.version ?? null);
    viewDeflated.push(view ? deflatedBuffer(view) : null);
    viewCrc32.push(view?.crc32 ?? null);
    viewLength.push(view?.length ?? null);
    policyFactsVersion.push(policyFacts?.version ?? null);
    policyFactsText.push(policyFacts?.text ?? null);
    for (const u of id.usernames) {
      const name = noNul(u);
      if (name === null) continue;
      userItem.push(index + 1);
      userName.push(name);
    }
    for (const e of events) {
      evItem.push(index + 1);
      evType.push(e.type);
      evAt.push(e.at);
      evDevice.push(e.deviceId);
      evData.push(JSON.stringify(e.data));
    }
  });
  return [...columns, userItem, userName, evItem, evType, evAt, evDevice, evData, lockedIds, historyLimit, viewVersion, viewDeflated, policyFactsVersion, policyFactsText, viewCrc32, viewLength];
}

/**
 * Bodies per apply statement. Agents' bodies are ~4 KB but may reach the 2 MiB frame limit; 256 of
 * those in one array parameter would be a 512 MB string (V8's limit) in this process and in the
 * server. Larger batches are applied in slices, in order, in the same transaction: each later
 * statement sees the earlier ones' last_seq, so the outcome is unchanged.
 */
export const MAX_STATEMENT_BODY_BYTES = 16 * 1024 * 1024;

/** Applies the batch on a client inside an open transaction; one result per item, in order. */
export async function applySnapshotBatch(
  c: pg.ClientBase,
  batch: SnapshotWrite[],
  historyLimit: number,
  maxStatementBytes = MAX_STATEMENT_BODY_BYTES,
): Promise<SnapshotWriteResult[]> {
  const ids = [...new Set(batch.map((w) => w.snapshot.deviceId))];
  const locked = (await c.query<{ id: string }>(LOCK_DEVICES, [ids])).rows.map((r) => r.id);
  const results: SnapshotWriteResult[] = [];
  for (const slice of slices(batch, maxStatementBytes)) {
    const { rows } = await c.query<{ result: SnapshotWriteResult }>(APPLY_BATCH, batchParams(slice, locked, historyLimit));
    if (rows.length !== slice.length) throw new Error(`snapshot batch returned ${rows.length} results for ${slice.length} items`);
    for (const r of rows) results.push(r.result);
  }
  return results;
}

/** Consecutive runs of the batch whose bodies total at most maxBytes (at least one item each). */
function slices(batch: SnapshotWrite[], maxBytes: number): SnapshotWrite[][] {
  const out: SnapshotWrite[][] = [];
  let current: SnapshotWrite[] = [];
  let bytes = 0;
  for (const w of batch) {
    const size = bodySize(w.snapshot) + w.snapshot.signature.length + 2 * (w.view?.deflated.byteLength ?? 0) + (w.policyFacts?.text.length ?? 0);
    if (current.length > 0 && bytes + size > maxBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(w);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * PostgreSQL text refuses NUL, SQLite does not. Identity columns only serve lookups, so a value
 * carrying NUL (never a real serial or hostname) is dropped rather than failing the whole batch.
 */
export function noNul(s: string | null): string | null {
  return s !== null && s.includes("\u0000") ? null : s;
}
