/**
 * Linux volumes from `lsblk -J -b`: the block-device tree shows every layer under a filesystem,
 * so a filesystem is encrypted when a `crypt` device (dm-crypt, LUKS when its parent's fstype is
 * crypto_LUKS) sits between it and the disk. USB/removable disks and EFI system partitions are
 * flagged so "all internal volumes encrypted" can leave them out.
 */
import { known, unknown, type Probe } from "../probe.ts";
import type { Volume } from "./types.ts";

export const LSBLK_COLUMNS = "NAME,PATH,TYPE,SIZE,RM,HOTPLUG,TRAN,MOUNTPOINTS,FSTYPE,LABEL,PARTTYPE,FSSIZE,FSUSED";
/** util-linux < 2.37 has MOUNTPOINT only; the second attempt uses it. */
export const LSBLK_COLUMNS_OLD = "NAME,PATH,TYPE,SIZE,RM,HOTPLUG,TRAN,MOUNTPOINT,FSTYPE,LABEL,PARTTYPE,FSSIZE,FSUSED";
/**
 * util-linux 2.27–2.32 (JSON output, but no PATH, FSSIZE or FSUSED: RHEL 8, Ubuntu 16.04/18.04):
 * the third attempt, with `-p` so NAME is the device path; usage then comes from statfs.
 */
export const LSBLK_COLUMNS_LEGACY = "NAME,TYPE,SIZE,RM,HOTPLUG,TRAN,MOUNTPOINT,FSTYPE,LABEL,PARTTYPE";

const EFI_SYSTEM_PARTITION = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
const MBR_EFI = "0xef";

interface LsblkDevice {
  name?: string;
  path?: string;
  type?: string;
  size?: number | string | null;
  rm?: boolean | string | null;
  hotplug?: boolean | string | null;
  tran?: string | null;
  mountpoints?: Array<string | null> | null;
  mountpoint?: string | null;
  fstype?: string | null;
  label?: string | null;
  parttype?: string | null;
  fssize?: number | string | null;
  fsused?: number | string | null;
  children?: LsblkDevice[];
}

const bool = (v: unknown): boolean => v === true || v === "1" || v === 1;
const num = (v: unknown): number | null => (v === null || v === undefined || v === "" ? null : Number.isFinite(Number(v)) ? Number(v) : null);

interface Lineage { removable: boolean; transport: string | null; crypt: "LUKS" | "dm-crypt" | null }

export function parseLsblk(json: string): Probe<Volume[]> {
  let doc: { blockdevices?: LsblkDevice[] };
  try {
    doc = JSON.parse(json) as { blockdevices?: LsblkDevice[] };
  } catch {
    return unknown("lsblk: output is not JSON");
  }
  if (!Array.isArray(doc.blockdevices)) return unknown("lsblk: no blockdevices array");
  const volumes: Volume[] = [];

  const walk = (dev: LsblkDevice, parent: LsblkDevice | null, lineage: Lineage) => {
    const here: Lineage = {
      removable: lineage.removable || bool(dev.rm) || bool(dev.hotplug) || dev.tran === "usb",
      transport: dev.tran ?? lineage.transport,
      crypt: dev.type === "crypt" ? (parent?.fstype === "crypto_LUKS" ? "LUKS" : "dm-crypt") : lineage.crypt,
    };
    const mounts = (dev.mountpoints ?? (dev.mountpoint !== undefined ? [dev.mountpoint] : [])).filter((m): m is string => !!m);
    // A volume is anything holding a filesystem (or swap) or mounted; LUKS containers and LVM PVs are layers, not volumes.
    const isLayer = dev.fstype === "crypto_LUKS" || dev.fstype === "LVM2_member";
    if ((dev.fstype || mounts.length > 0) && !isLayer && dev.type !== "loop" && dev.type !== "rom") {
      volumes.push(toVolume(dev, mounts, here));
    }
    for (const child of dev.children ?? []) walk(child, dev, here);
  };
  for (const dev of doc.blockdevices) walk(dev, null, { removable: false, transport: null, crypt: null });
  return known(volumes);
}

function toVolume(dev: LsblkDevice, mounts: string[], lineage: Lineage): Volume {
  const reasons: Record<string, string> = {};
  const parttype = (dev.parttype ?? "").toLowerCase();
  const mountpoint = mounts[0] ?? null;
  const efi = parttype === EFI_SYSTEM_PARTITION || parttype === MBR_EFI || mountpoint === "/boot/efi";
  const total = num(dev.fssize) ?? num(dev.size);
  const used = num(dev.fsused);
  if (mountpoint === null) reasons.mountpoint = "not mounted";
  if (used === null) reasons.capacity_used_bytes = mountpoint === null ? "not mounted: usage is only known for mounted filesystems" : "lsblk reported no FSUSED";
  if (total === null) reasons.capacity_total_bytes = "lsblk reported no size";
  return {
    disk: {
      name: dev.path ?? (dev.name ? (dev.name.startsWith("/") ? dev.name : `/dev/${dev.name}`) : null),
      mountpoint,
      label: dev.label ?? null,
      capacity_total_bytes: total,
      capacity_used_bytes: used,
      encryption_enabled: lineage.crypt !== null,
      encryption_method: lineage.crypt,
      fs_type: dev.fstype ?? null,
      internal: !lineage.removable,
      removable: lineage.removable,
      boot_partition: efi || mountpoint === "/boot",
    },
    reasons,
  };
}
