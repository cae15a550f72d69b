/**
 * `diskEncryptionType: { include: [ALL_INTERNAL_VOLUMES] }`.
 *
 * A disk counts as internal unless the agent says it is not (`internal: false` or
 * `removable: true`): when unsure, the disk is held to the requirement rather than skipped.
 * Firmware boot partitions are exempt: the EFI system partition (and `/boot` on LUKS setups) must
 * stay readable before any key is available, hold no user data, and exist on every PC.
 */
import type { DiskFacts } from "../../../shared/facts/schema.ts";
import type { Platform } from "../schema.ts";
import type { CheckContext, CheckOutcome } from "../types.ts";
import { fail, pass, unknownOutcome, unknownReason } from "./outcome.ts";

const CHECK = "diskEncryptionType";

const REMEDIATION: Record<Platform, string> = {
  MACOS: "Turn on FileVault in System Settings → Privacy & Security → FileVault.",
  WINDOWS: "Turn on BitLocker for every internal drive in Settings → Privacy & security → Device encryption (or Control Panel → BitLocker).",
  LINUX: "Internal volumes must sit on encrypted block devices (LUKS/dm-crypt); ask IT to re-provision the disk with full-disk encryption.",
};

const BOOT_MOUNTPOINTS = new Set(["/boot", "/boot/efi", "/efi"]);

export function isBootPartition(disk: DiskFacts): boolean {
  if (disk.mountpoint !== null && BOOT_MOUNTPOINTS.has(disk.mountpoint)) return true;
  return (disk.label ?? "").toUpperCase() === "EFI" && (disk.fs_type ?? "").toLowerCase() === "vfat";
}

function label(disk: DiskFacts, index: number): string {
  return disk.mountpoint ?? disk.name ?? `disk ${index}`;
}

export function checkDiskEncryption(ctx: CheckContext): CheckOutcome | null {
  if (!ctx.policy.diskEncryptionType) return null;
  const expected = { include: ctx.policy.diskEncryptionType.include };
  const disks = ctx.facts.disks;
  if (disks === null) return unknownOutcome(CHECK, expected, "disk encryption", unknownReason(ctx.unknown, "disks"));
  const internal = disks.map((disk, index) => ({ disk, index })).filter(({ disk }) => disk.internal !== false && disk.removable !== true && !isBootPartition(disk));
  const observed = internal.map(({ disk, index }) => ({ volume: label(disk, index), encrypted: disk.encryption_enabled }));
  if (internal.length === 0) return unknownOutcome(CHECK, expected, "disk encryption", "the agent reported no internal volumes", observed);

  const unencrypted = internal.filter(({ disk }) => disk.encryption_enabled === false);
  if (unencrypted.length > 0)
    return fail(CHECK, observed, expected, `Not encrypted: ${unencrypted.map(({ disk, index }) => label(disk, index)).join(", ")}.`, REMEDIATION[ctx.policy.platform]);
  const undetermined = internal.filter(({ disk }) => disk.encryption_enabled === null);
  if (undetermined.length > 0) {
    const { disk, index } = undetermined[0]!;
    return unknownOutcome(CHECK, expected, `whether ${label(disk, index)} is encrypted`, unknownReason(ctx.unknown, `disks[${index}].encryption_enabled`), observed);
  }
  return pass(CHECK, observed, expected);
}
