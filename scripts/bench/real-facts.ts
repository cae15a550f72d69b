/**
 * Real-size facts for simulated agents: the document the real agent's collectors produced on a
 * real machine (fixtures/linux-agent-facts.json; its `recorded` header says where and when, and
 * record-agent-facts.ts re-records it), with the fields that identify a device varied per device
 * so stored rows and identity indexes are not all equal. The software and process inventories are
 * the recorded ones: they are what makes a real snapshot 15× the size of facts-document.ts's.
 *
 * Canonical JSON of a ~60 KB document costs milliseconds, too much for 50,000 devices, so the
 * canonical text is made once with a marker in each varied field and split there; a device's text
 * is the pieces joined with its values (JCS serializes these strings and integers as
 * JSON.stringify does, and key order does not depend on values). The test checks the bytes
 * against the shared canonicalizer.
 */
import { readFileSync } from "node:fs";
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";

interface Recording {
  recorded: Record<string, unknown>;
  facts: Facts;
  unknown: Unknown;
}

const recording = JSON.parse(readFileSync(new URL("fixtures/linux-agent-facts.json", import.meta.url), "utf8")) as Recording;

interface Identity {
  hostname: string;
  mac: string;
  ip: string;
  machineId: string;
  serial: string;
  uuid: string;
  usedBytes: number | string;
}

const hex = (n: number, width: number): string => (n >>> 0).toString(16).padStart(width, "0").slice(-width);

function identity(index: number): Identity {
  return {
    hostname: `lt-${hex(index * 2654435761, 8)}`,
    mac: ["3c", "52", hex(index >> 16, 2), hex(index >> 8, 2), hex(index, 2), "10"].join(":"),
    ip: `10.${(index >> 16) & 0xff}.${(index >> 8) & 0xff}.${index & 0xff}/16`,
    machineId: `${hex(index * 2246822519, 8)}${hex(index, 8)}7c0b6a1e9d8f4c2b`,
    serial: `PF${hex(index * 40503, 6).toUpperCase()}${hex(index, 2).toUpperCase()}`,
    uuid: `${hex(index * 7919, 8)}-1f2e-4d3c-8b7a-${hex(index, 12)}`,
    usedBytes: 20_000_000_000 + (index % 1000) * 1_000_000,
  };
}

function withIdentity(id: Identity): Facts {
  const f = recording.facts;
  return {
    ...f,
    disks: f.disks?.map((d, i) => (i === 0 ? { ...d, capacity_used_bytes: id.usedBytes as number } : d)) ?? null,
    network: f.network && {
      ...f.network,
      hostname: id.hostname,
      interfaces: f.network.interfaces?.map((x, i) => (i === 0 ? { ...x, hardware_address: id.mac, ip_addresses: [id.ip, ...(x.ip_addresses ?? []).slice(1)] } : x)) ?? null,
    },
    hardware: f.hardware && { ...f.hardware, serial: id.serial, uuid: id.uuid, machine_id: id.machineId },
  };
}

/** The facts device `index` reports. */
export function realFacts(index: number): Facts {
  return withIdentity(identity(index));
}

export function realUnknown(): Unknown {
  return recording.unknown;
}

const MARK = (field: keyof Identity): string => `@@bench:${field}@@`;
const marked = Object.fromEntries((Object.keys(identity(0)) as (keyof Identity)[]).map((k) => [k, MARK(k)])) as unknown as Identity;
/** Literal text and field names, alternating: [text, field, text, field, …, text]. */
const pieces = canonicalJson(withIdentity(marked)).split(/"@@bench:(\w+)@@"/);

/** canonicalJson(realFacts(index)), without canonicalizing. */
export function realFactsJson(index: number): string {
  const id = identity(index);
  let out = "";
  for (let i = 0; i < pieces.length; i++) {
    if (i % 2 === 0) out += pieces[i];
    else out += JSON.stringify(id[pieces[i] as keyof Identity]);
  }
  return out;
}
