/**
 * Row shapes shared by both backends (the tables have the same columns) and their mapping to the
 * Store's types. Backend-specific rows (how scopes are encoded, say) stay with their backend.
 */
import type { BindingSource, ComplianceRecord, Device, DeviceBinding, EnrollToken, FactEvent, StoredPolicy, StoredSnapshot } from "./types.ts";
import { lazySnapshot } from "./lazy-snapshot.ts";

export interface EnrollTokenRow {
  id: string;
  label: string | null;
  username: string | null;
  created_at: number;
  expires_at: number | null;
  max_uses: number | null;
  uses: number;
  revoked_at: number | null;
}

export interface DeviceRow {
  id: string;
  name: string | null;
  public_key: string;
  platform: string | null;
  serial: string | null;
  manufacturer: string | null;
  model: string | null;
  machine_id: string | null;
  hardware_uuid: string | null;
  hostname: string | null;
  username: string | null;
  enrolled_at: number;
  revoked_at: number | null;
  last_seq: number;
  last_seen_at: number | null;
}

export interface SnapshotRow {
  device_id: string;
  seq: number;
  collected_at: number;
  received_at: number;
  body: string;
  signature: string;
}

export interface EventRow {
  id: number;
  type: string;
  at: number;
  device_id: string | null;
  data: string;
}

export function enrollTokenFromRow(r: EnrollTokenRow): EnrollToken {
  return {
    id: r.id,
    label: r.label,
    username: r.username,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    maxUses: r.max_uses,
    uses: r.uses,
    revokedAt: r.revoked_at,
  };
}

export function deviceFromRow(r: DeviceRow): Device {
  return {
    id: r.id,
    name: r.name,
    publicKey: r.public_key,
    platform: r.platform,
    serial: r.serial,
    manufacturer: r.manufacturer,
    model: r.model,
    machineId: r.machine_id,
    hardwareUuid: r.hardware_uuid,
    hostname: r.hostname,
    username: r.username,
    enrolledAt: r.enrolled_at,
    revokedAt: r.revoked_at,
    lastSeq: r.last_seq,
    lastSeenAt: r.last_seen_at,
  };
}

/**
 * Facts and unknown are read back from the signed body, so what is served is what was signed; as
 * far as they are asked for (lazy-snapshot.ts).
 */
export function snapshotFromRow(r: SnapshotRow): StoredSnapshot {
  return lazySnapshot({ deviceId: r.device_id, seq: r.seq, collectedAt: r.collected_at, receivedAt: r.received_at, body: r.body, signature: r.signature });
}

export function eventFromRow(r: EventRow): FactEvent {
  return { id: r.id, type: r.type, at: r.at, deviceId: r.device_id, data: JSON.parse(r.data) as Record<string, unknown> };
}

export interface PolicyRow {
  id: string;
  version: number;
  name: string;
  platform: string;
  body: string;
  created_at: number;
  updated_at: number;
}

export function policyFromRow(r: PolicyRow): StoredPolicy {
  return {
    id: r.id,
    version: r.version,
    name: r.name,
    platform: r.platform,
    body: JSON.parse(r.body) as Record<string, unknown>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface ComplianceRecordRow {
  device_id: string;
  policy_id: string;
  policy_version: number;
  result: string;
  /** PostgreSQL returns a boolean; SQLite stores 0/1. */
  passing: boolean | number;
  evaluated_at: number;
  detail: string;
}

export function complianceRecordFromRow(r: ComplianceRecordRow): ComplianceRecord {
  return {
    deviceId: r.device_id,
    policyId: r.policy_id,
    policyVersion: r.policy_version,
    result: r.result,
    passing: r.passing === true || r.passing === 1,
    evaluatedAt: r.evaluated_at,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

export interface BindingRow {
  device_id: string;
  username: string;
  source: string;
  bound_by: string;
  bound_at: number | string;
}

export function bindingFromRow(r: BindingRow): DeviceBinding {
  return { deviceId: r.device_id, username: r.username, source: r.source as BindingSource, boundBy: r.bound_by, boundAt: Number(r.bound_at) };
}

/** Bindings grouped by device, in the order the rows came. */
export function groupBindings(rows: BindingRow[]): Map<string, DeviceBinding[]> {
  const out = new Map<string, DeviceBinding[]>();
  for (const r of rows) {
    const list = out.get(r.device_id) ?? [];
    list.push(bindingFromRow(r));
    out.set(r.device_id, list);
  }
  return out;
}
