/**
 * The identity columns a store keeps beside each device, read from its latest facts. Shared by
 * every backend so SQLite and PostgreSQL index the same values the same way.
 */
import type { Facts } from "../../shared/facts/schema.ts";

export interface DeviceIdentity {
  serial: string | null;
  manufacturer: string | null;
  model: string | null;
  platform: string | null;
  machineId: string | null;
  hardwareUuid: string | null;
  hostname: string | null;
  usernames: string[];
}

// Firmware placeholders that many vendors ship instead of a real value; treating them as
// identities would flag every such machine as a clone of every other.
const PLACEHOLDERS = new Set([
  "", "0", "none", "null", "default string", "to be filled by o.e.m.", "system serial number",
  "not specified", "not applicable", "unknown", "0123456789", "00000000-0000-0000-0000-000000000000",
  "03000200-0400-0500-0006-000700080009", "ffffffff-ffff-ffff-ffff-ffffffffffff",
]);

export function meaningfulIdentifier(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return PLACEHOLDERS.has(trimmed.toLowerCase()) ? null : trimmed;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

export function identityFromFacts(facts: Facts): DeviceIdentity {
  const hw = facts.hardware;
  const usernames = new Set<string>();
  for (const user of facts.users ?? []) {
    const name = text(user.username);
    if (name) usernames.add(name);
  }
  return {
    serial: meaningfulIdentifier(hw?.serial),
    manufacturer: text(hw?.manufacturer),
    model: text(hw?.model),
    platform: text(facts.os?.family),
    machineId: meaningfulIdentifier(hw?.machine_id),
    hardwareUuid: meaningfulIdentifier(hw?.uuid)?.toLowerCase() ?? null,
    hostname: text(facts.network?.hostname),
    usernames: [...usernames],
  };
}
