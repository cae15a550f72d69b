/**
 * macOS volumes. `diskutil apfs list` names every APFS volume with its role and FileVault state;
 * `diskutil list` says which whole disks are internal or external and shows non-APFS partitions
 * (EFI, FAT/exFAT sticks). `fdesetup status` is the second witness for the boot volume when the
 * diskutil text changes shape. diskutil's text is not localized.
 */
import { known, unknown, type Probe } from "../probe.ts";
import type { Volume } from "./types.ts";

export interface ApfsVolume {
  device: string;
  role: string | null;
  name: string | null;
  mountpoint: string | null;
  consumed: number | null;
  containerSize: number | null;
  physicalStore: string | null;
  fileVault: boolean | null;
  encrypted: boolean | null;
  locked: boolean | null;
}

const bytesOf = (text: string | undefined): number | null => {
  const m = /^(\d+) B\b/.exec((text ?? "").trim());
  return m ? Number(m[1]) : null;
};

/** Parses `diskutil apfs list` (macOS 10.13 to 15; the tree drawing characters are stripped). */
export function parseApfsList(text: string): Probe<ApfsVolume[]> {
  if (!/APFS Container/.test(text)) return /No APFS Containers found/i.test(text) ? known([]) : unknown("diskutil apfs list: unrecognised output");
  const volumes: ApfsVolume[] = [];
  let containerSize: number | null = null;
  let physicalStore: string | null = null;
  let current: ApfsVolume | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^[\s|+<>\-=]*/, "").trim();
    const m = /^([A-Za-z][\w ()]*?):\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === "APFS Container Reference") {
      current = null;
      containerSize = null;
      physicalStore = null;
    } else if (key === "Size (Capacity Ceiling)" || key === "Capacity Ceiling (Size)") {
      containerSize = bytesOf(value);
    } else if (key === "APFS Physical Store Disk") {
      physicalStore ??= value.split(/\s+/)[0] ?? null;
    } else if (key === "APFS Volume Disk (Role)") {
      const vm = /^(disk\d+s\d+)\s*(?:\((.*)\))?/.exec(value);
      current = {
        device: vm?.[1] ?? value, role: vm?.[2] && vm[2] !== "No specific role" ? vm[2] : null, name: null, mountpoint: null,
        consumed: null, containerSize, physicalStore, fileVault: null, encrypted: null, locked: null,
      };
      volumes.push(current);
    } else if (current) {
      if (key === "Name") current.name = value.replace(/\s*\(Case-(in)?sensitive\)$/, "");
      else if (key === "Mount Point") current.mountpoint ??= value === "Not Mounted" ? null : value;
      // macOS 11+ boots from a sealed snapshot of the System volume: the snapshot, not the volume, is at /.
      else if (key === "Snapshot Mount Point" && value !== "Not Mounted") current.mountpoint = value;
      else if (key === "Capacity Consumed") current.consumed = bytesOf(value);
      else if (key === "FileVault") {
        current.fileVault = /^Yes/.test(value);
        current.locked = /\(Locked\)/.test(value) ? true : /\(Unlocked\)/.test(value) ? false : null;
      } else if (key === "Encrypted") current.encrypted = /^Yes/.test(value);
      else if (key === "Cryptographic Security") current.encrypted = !/^None|Unencrypted/i.test(value);
    }
  }
  return known(volumes);
}

export interface DiskutilPartition { device: string; type: string; name: string | null; wholeDisk: string }

export interface DiskutilList {
  /** whole disk → internal? (true for "internal", false for "external") */
  internal: Record<string, boolean>;
  /** synthesized APFS container disk → its physical store partition */
  stores: Record<string, string>;
  partitions: DiskutilPartition[];
}

/** Parses `diskutil list`: disk headers "/dev/disk0 (internal, physical):" and fixed-width partition rows. */
export function parseDiskutilList(text: string): Probe<DiskutilList> {
  const out: DiskutilList = { internal: {}, stores: {}, partitions: [] };
  let disk: string | null = null;
  let typeEnd = -1;
  let nameStart = -1;
  let sizeStart = -1;
  for (const line of text.split("\n")) {
    const header = /^\/dev\/(disk\d+) \(([^)]*)\):/.exec(line);
    if (header) {
      disk = header[1]!;
      if (/\binternal\b/.test(header[2]!)) out.internal[disk] = true;
      else if (/\bexternal\b/.test(header[2]!)) out.internal[disk] = false;
      continue;
    }
    if (/#:\s+TYPE NAME/.test(line)) {
      typeEnd = line.indexOf("TYPE") + 4;
      nameStart = line.indexOf("NAME");
      sizeStart = line.indexOf("SIZE");
      continue;
    }
    const store = /Physical Store (disk\d+s\d+)/.exec(line);
    if (store && disk) out.stores[disk] = store[1]!;
    const row = /^\s*\d+:/.exec(line);
    const id = /(disk\d+s\d+)\s*$/.exec(line);
    if (row && id && disk && typeEnd > 0) {
      const type = line.slice(row[0].length, typeEnd).trim();
      const name = line.slice(nameStart, sizeStart).trim().replace(/^⁨|⁩$/g, "");
      out.partitions.push({ device: id[1]!, type, name: name || null, wholeDisk: disk });
    }
  }
  if (Object.keys(out.internal).length === 0 && out.partitions.length === 0) return unknown("diskutil list: unrecognised output");
  return known(out);
}

/** `fdesetup status`: "FileVault is On." / "FileVault is Off." (plus progress lines while converting). */
export function parseFdesetupStatus(text: string): Probe<{ on: boolean; converting: boolean }> {
  const m = /FileVault is (On|Off)\b/.exec(text);
  if (!m) return unknown("fdesetup status: unrecognised output");
  return known({ on: m[1] === "On", converting: /Encryption in progress|Decryption in progress/i.test(text) });
}

const wholeDiskOf = (device: string): string => /^(disk\d+)/.exec(device)?.[1] ?? device;

/** System-support roles are unencrypted by design (Apple Platform Security): flag them like EFI partitions. */
const SUPPORT_ROLES = /^(Preboot|Recovery|VM|Update|Hardware|xART|iSCPreboot)$/;
const NO_ENCRYPTION_TYPES = /^(EFI|DOS_FAT_\d+|ExFAT|MS-DOS|Apple_Boot)$/i;

export function darwinVolumes(apfs: ApfsVolume[], list: DiskutilList | null, listReason: string): Volume[] {
  const internalOf = (device: string): boolean | null => {
    let disk = wholeDiskOf(device);
    const store = list?.stores[disk];
    if (store) disk = wholeDiskOf(store);
    return list?.internal[disk] ?? null;
  };
  const volumes: Volume[] = apfs.map((v) => {
    const reasons: Record<string, string> = {};
    const internal = internalOf(v.physicalStore ?? v.device);
    if (internal === null) reasons.internal = reasons.removable = list ? `diskutil list does not show ${v.device}'s disk` : listReason;
    const enabled = v.fileVault === true || v.encrypted === true ? true : v.fileVault === false ? false : null;
    if (enabled === null) reasons.encryption_enabled = `diskutil apfs list: no FileVault line for ${v.device}`;
    if (v.mountpoint === null) reasons.mountpoint = "not mounted";
    if (v.consumed === null) reasons.capacity_used_bytes = "diskutil apfs list: no Capacity Consumed";
    if (v.containerSize === null) reasons.capacity_total_bytes = "diskutil apfs list: no container size";
    return {
      disk: {
        name: `/dev/${v.device}`, mountpoint: v.mountpoint, label: v.name,
        capacity_total_bytes: v.containerSize, capacity_used_bytes: v.consumed,
        encryption_enabled: enabled,
        encryption_method: v.fileVault ? "FileVault" : v.encrypted ? "APFS" : null,
        fs_type: "apfs", internal, removable: internal === null ? null : !internal,
        boot_partition: v.role !== null && SUPPORT_ROLES.test(v.role),
        ...(v.role ? { role: v.role } : {}),
      },
      reasons,
    };
  });
  for (const p of list?.partitions ?? []) {
    // APFS containers' stores, and the volume/snapshot rows of synthesized disks, are the APFS volumes above.
    if (/^Apple_APFS/.test(p.type) || /^APFS /.test(p.type)) continue;
    const internal = list?.internal[p.wholeDisk] ?? null;
    const noEncryption = NO_ENCRYPTION_TYPES.test(p.type);
    const reasons: Record<string, string> = {
      mountpoint: "diskutil list does not show mount points",
      capacity_total_bytes: "not read for non-APFS partitions",
      capacity_used_bytes: "not read for non-APFS partitions",
    };
    if (!noEncryption) reasons.encryption_enabled = `${p.type} partition: encryption is not read by macOS tools`;
    if (internal === null) reasons.internal = reasons.removable = `diskutil list: ${p.wholeDisk} is neither internal nor external`;
    volumes.push({
      disk: {
        name: `/dev/${p.device}`, mountpoint: null, label: p.name, capacity_total_bytes: null, capacity_used_bytes: null,
        encryption_enabled: noEncryption ? false : null, encryption_method: null, fs_type: p.type,
        internal, removable: internal === null ? null : !internal, boot_partition: /^EFI$/i.test(p.type),
      },
      reasons,
    });
  }
  return volumes;
}
