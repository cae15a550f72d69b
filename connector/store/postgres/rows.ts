/** Row shapes of the PostgreSQL tables and their mapping to the Store's types. */
import type { ApiToken, Device, Scope } from "../types.ts";

export * from "../rows.ts";

export interface ApiTokenRow {
  id: string;
  name: string;
  scopes: Scope[];
  created_at: number;
  revoked_at: number | null;
}

export const DEVICE_COLUMNS =
  "id, name, public_key, platform, serial, manufacturer, model, machine_id, hardware_uuid, hostname, username, enrolled_at, revoked_at, last_seq, last_seen_at";
export const SNAPSHOT_COLUMNS = "device_id, seq, collected_at, received_at, body, signature";

export function apiTokenFromRow(r: ApiTokenRow): ApiToken {
  return { id: r.id, name: r.name, scopes: r.scopes, createdAt: r.created_at, revokedAt: r.revoked_at };
}

export function deviceParams(d: Device): unknown[] {
  return [
    d.id, d.name, d.publicKey, d.platform, d.serial, d.manufacturer, d.model, d.machineId, d.hardwareUuid ?? null, d.hostname ?? null,
    d.username, d.enrolledAt, d.revokedAt, d.lastSeq, d.lastSeenAt,
  ];
}

