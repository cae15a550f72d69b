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
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { canonicalJson, canonicalText } from "../../shared/signing/canonical.ts";
import { familyDigest, type FactFamily, type FamilyDigests } from "../../shared/protocol/family-digests.ts";
// Imported, not read from beside this file: the bench's connector runs this module bundled elsewhere (built-connector.ts).
import recorded from "./fixtures/linux-agent-facts.json" with { type: "json" };

interface Recording {
  recorded: Record<string, unknown>;
  facts: Facts;
  unknown: Unknown;
}

const recording = recorded as unknown as Recording;

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
function piecesOf(facts: Facts): string[] {
  return canonicalJson(facts).split(/"@@bench:(\w+)@@"/);
}

function fill(pieces: string[], id: Identity): string {
  let out = "";
  for (let i = 0; i < pieces.length; i++) out += i % 2 === 0 ? pieces[i] : JSON.stringify(id[pieces[i] as keyof Identity]);
  return out;
}

const pieces = piecesOf(withIdentity(marked));

/** canonicalJson(realFacts(index)), without canonicalizing. */
export function realFactsJson(index: number): string {
  return fill(pieces, identity(index));
}

/**
 * The families a steady-state snapshot sends as digests: those that did not change between two
 * collections of the real agent here (docs/performance.md, "Snapshot size on the wire").
 * processes (PIDs come and go), disks (used bytes) and the vendor map (collect timings) change
 * at every collection, so they travel in full.
 */
export const STEADY_UNCHANGED: readonly FactFamily[] = ["os", "network", "hardware", "security", "software", "users", "groups"];

function without(facts: Facts, families: readonly FactFamily[]): Facts {
  const out: Record<string, unknown> = { ...facts };
  for (const family of families) delete out[family];
  return out as Facts;
}

const compactPieces = piecesOf(without(withIdentity(marked), STEADY_UNCHANGED));
const sharedDigests = new Map<FactFamily, string>();

/** Device `index`'s steady-state snapshot: the facts text without STEADY_UNCHANGED, and their digests. */
export function realCompactFacts(index: number): { factsJson: string; digests: FamilyDigests } {
  const id = identity(index);
  const facts = withIdentity(id);
  const digests: FamilyDigests = {};
  for (const family of STEADY_UNCHANGED) {
    // Only network and hardware carry the device's identity; the rest are the same for every device.
    const perDevice = family === "network" || family === "hardware";
    let digest = perDevice ? undefined : sharedDigests.get(family);
    if (digest === undefined) {
      digest = familyDigest(family, canonicalText(facts[family]));
      if (!perDevice) sharedDigests.set(family, digest);
    }
    digests[family] = digest;
  }
  return { factsJson: fill(compactPieces, id), digests };
}
