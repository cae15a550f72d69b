/**
 * Windows volumes: Win32_LogicalDisk for local fixed and removable drives (DriveType 2/3 only:
 * a dead network drive can hang the query), and BitLocker from Win32_EncryptableVolume
 * (ProtectionStatus, ConversionStatus), never `manage-bde`, whose text is translated into the
 * system language. Win32_EncryptableVolume needs Administrator; without it, encryption is unknown.
 */
import { parsePsList, psInt, psStr } from "../parse/ps-list.ts";
import { known, unknown, type Probe } from "../probe.ts";
import type { Volume } from "./types.ts";

export const WINDOWS_LOGICAL_DISK_SCRIPT =
  "Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=2 OR DriveType=3' -OperationTimeoutSec 5 | Format-List DeviceID,DriveType,FileSystem,Size,FreeSpace,VolumeName";

export const WINDOWS_BITLOCKER_SCRIPT =
  "Get-CimInstance -Namespace 'root\\cimv2\\Security\\MicrosoftVolumeEncryption' -ClassName Win32_EncryptableVolume -OperationTimeoutSec 5 | Format-List DriveLetter,DeviceID,ProtectionStatus,ConversionStatus,EncryptionMethod,VolumeType";

export interface LogicalDisk { letter: string; driveType: number | null; fs: string | null; size: number | null; free: number | null; label: string | null }
export interface EncryptableVolume { letter: string | null; protection: number | null; conversion: number | null; method: number | null; volumeType: number | null }

export function parseLogicalDisks(text: string): Probe<LogicalDisk[]> {
  const records = parsePsList(text);
  if (text.trim() && records.length === 0) return unknown("Win32_LogicalDisk: unrecognised output");
  return known(records.filter((r) => r.DeviceID).map((r) => ({
    letter: r.DeviceID!, driveType: psInt(r.DriveType), fs: psStr(r.FileSystem), size: psInt(r.Size), free: psInt(r.FreeSpace), label: psStr(r.VolumeName),
  })));
}

export function parseEncryptableVolumes(text: string): Probe<EncryptableVolume[]> {
  const records = parsePsList(text);
  if (text.trim() && records.length === 0) return unknown("Win32_EncryptableVolume: unrecognised output");
  return known(records.map((r) => ({
    letter: psStr(r.DriveLetter), protection: psInt(r.ProtectionStatus), conversion: psInt(r.ConversionStatus),
    method: psInt(r.EncryptionMethod), volumeType: psInt(r.VolumeType),
  })));
}

/** Win32_EncryptableVolume.EncryptionMethod values (Microsoft docs). */
const METHODS: Record<number, string> = {
  1: "AES-128 with diffuser", 2: "AES-256 with diffuser", 3: "AES-128", 4: "AES-256", 5: "hardware", 6: "XTS-AES-128", 7: "XTS-AES-256",
};
/** ConversionStatus: 0 FullyDecrypted, 1 FullyEncrypted, 2 EncryptionInProgress, 3 DecryptionInProgress, 4/5 paused. */
const CONVERSION = ["fully decrypted", "fully encrypted", "encryption in progress", "decryption in progress", "encryption paused", "decryption paused"];

/**
 * A volume counts as encrypted only when fully encrypted *and* protection is on: BitLocker
 * "suspended" (ProtectionStatus 0 on an encrypted volume) leaves the key in the clear on disk.
 */
export function bitlockerState(v: EncryptableVolume): { enabled: boolean | null; method: string | null; reason?: string } {
  if (v.protection === null || v.conversion === null) return { enabled: null, method: null, reason: "Win32_EncryptableVolume: no ProtectionStatus/ConversionStatus" };
  const detail = `BitLocker ${METHODS[v.method ?? -1] ?? "unknown cipher"}, ${CONVERSION[v.conversion] ?? `conversion ${v.conversion}`}, protection ${v.protection === 1 ? "on" : v.protection === 0 ? "off" : "unknown"}`;
  if (v.protection === 2) return { enabled: null, method: detail, reason: "BitLocker ProtectionStatus 2: volume is locked" };
  const enabled = v.conversion === 1 && v.protection === 1;
  return { enabled, method: v.conversion === 0 ? null : detail };
}

export function windowsVolumes(disks: LogicalDisk[], bitlocker: Probe<EncryptableVolume[]>): Volume[] {
  return disks.map((d) => {
    const reasons: Record<string, string> = {};
    const removable = d.driveType === 2;
    let enabled: boolean | null = null;
    let method: string | null = null;
    if (!bitlocker.ok) reasons.encryption_enabled = bitlocker.reason;
    else {
      const ev = bitlocker.value.find((v) => v.letter?.toUpperCase() === d.letter.toUpperCase());
      if (!ev) {
        // BitLocker only encrypts NTFS (and FAT for To Go); a volume it does not list is not encryptable by it.
        if (d.fs && /^(NTFS|FAT|FAT32|exFAT|ReFS)$/i.test(d.fs)) reasons.encryption_enabled = `${d.letter} not listed by Win32_EncryptableVolume`;
        else enabled = false;
      } else {
        const s = bitlockerState(ev);
        enabled = s.enabled;
        method = s.method;
        if (s.reason) reasons.encryption_enabled = s.reason;
      }
    }
    if (d.size === null) reasons.capacity_total_bytes = "Win32_LogicalDisk: no Size (no media?)";
    if (d.size === null || d.free === null) reasons.capacity_used_bytes = "Win32_LogicalDisk: no Size/FreeSpace";
    return {
      disk: {
        name: d.letter, mountpoint: `${d.letter}\\`, label: d.label,
        capacity_total_bytes: d.size, capacity_used_bytes: d.size !== null && d.free !== null ? d.size - d.free : null,
        encryption_enabled: enabled, encryption_method: method, fs_type: d.fs,
        internal: !removable, removable, boot_partition: false,
      },
      reasons,
    };
  });
}
