import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseLsblk } from "./linux.ts";
import { darwinVolumes, parseApfsList, parseDiskutilList, parseFdesetupStatus } from "./darwin.ts";
import { bitlockerState, windowsVolumes } from "./windows.ts";
import { createContext } from "../probe.ts";
import { disksCollector } from "./index.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("lists this container's root volume from lsblk as internal and unencrypted", () => {
  const r = parseLsblk(f("debian-12-container.lsblk.json"));
  assert.equal(r.ok, true);
  if (!r.ok) return;
  const root = r.value.find((v) => v.disk.mountpoint === "/");
  assert.ok(root);
  assert.equal(root.disk.name, "/dev/vda");
  assert.equal(root.disk.encryption_enabled, false);
  assert.equal(root.disk.internal, true);
  assert.equal(r.value.some((v) => v.disk.name === "/dev/zram0"), false, "an unmounted device without a filesystem is not a volume");
});

test("marks a filesystem on LUKS as encrypted, its ESP as boot partition and a USB stick as removable", () => {
  // Synthetic lsblk tree (shape of `lsblk -J`, not a recording): laptop NVMe with ESP + LUKS2 root, and a USB stick.
  const json = JSON.stringify({ blockdevices: [
    { name: "nvme0n1", path: "/dev/nvme0n1", type: "disk", size: 512110190592, rm: false, hotplug: false, tran: "nvme", mountpoints: [null], children: [
      { name: "nvme0n1p1", path: "/dev/nvme0n1p1", type: "part", fstype: "vfat", parttype: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", mountpoints: ["/boot/efi"], fssize: 535805952, fsused: 6369280 },
      { name: "nvme0n1p2", path: "/dev/nvme0n1p2", type: "part", fstype: "crypto_LUKS", mountpoints: [null], children: [
        { name: "luks-1", path: "/dev/mapper/luks-1", type: "crypt", fstype: "ext4", mountpoints: ["/"], fssize: 500000000000, fsused: 100000000000 },
      ] },
    ] },
    { name: "sda", path: "/dev/sda", type: "disk", rm: true, hotplug: true, tran: "usb", children: [
      { name: "sda1", path: "/dev/sda1", type: "part", fstype: "exfat", label: "STICK", mountpoints: ["/media/u/STICK"], fssize: 1000, fsused: 10 },
    ] },
  ] });
  const r = parseLsblk(json);
  assert.equal(r.ok, true);
  if (!r.ok) return;
  const byMount = Object.fromEntries(r.value.map((v) => [v.disk.mountpoint, v.disk]));
  assert.equal(byMount["/"]!.encryption_enabled, true);
  assert.equal(byMount["/"]!.encryption_method, "LUKS");
  assert.equal(byMount["/boot/efi"]!.boot_partition, true);
  assert.equal(byMount["/media/u/STICK"]!.removable, true);
  assert.equal(byMount["/media/u/STICK"]!.internal, false);
  assert.equal(r.value.some((v) => v.disk.fs_type === "crypto_LUKS"), false, "the LUKS container is a layer, not a volume");
});

test("reports unknown when lsblk output is not JSON", () => {
  assert.deepEqual(parseLsblk("lsblk: unknown column: MOUNTPOINTS"), { ok: false, reason: "lsblk: output is not JSON" });
});

test("reads FileVault state per APFS volume on an Apple silicon layout", () => {
  const r = parseApfsList(f("macos-apple-silicon.diskutil-apfs-list-excerpt.txt"));
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.deepEqual(r.value.map((v) => [v.device, v.role, v.fileVault, v.mountpoint]), [
    // Its own mount point is /System/Volumes/Update/mnt1; the sealed snapshot of it is what is mounted at /.
    ["disk3s1", "System", true, "/"],
    ["disk3s5", "Data", true, "/System/Volumes/Data"],
  ]);
  assert.equal(r.value[1]!.consumed, 412071784448);
  assert.equal(r.value[1]!.containerSize, 494384795648);
  assert.equal(r.value[1]!.physicalStore, "disk0s2");
});

test("reads macOS 10.12's 'Cryptographic Security: None' as unencrypted", () => {
  const r = parseApfsList(f("macos-10.12.diskutil-apfs-list.txt"));
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.equal(r.value[0]!.encrypted, false);
  assert.equal(r.value[0]!.containerSize, 255883108352);
  const [vol] = darwinVolumes(r.value, null, "diskutil list: command not found");
  assert.equal(vol!.disk.encryption_enabled, null, "no FileVault line and no encryption: unknown, not false");
});

test("volumes on an internal disk are internal; support volumes are flagged", () => {
  const apfs = parseApfsList(f("macos-apple-silicon.diskutil-apfs-list-excerpt.txt"));
  // Synthetic `diskutil list` (shape only, not a recording) naming disk0 internal and disk3 synthesized on disk0s2.
  const list = parseDiskutilList([
    "/dev/disk0 (internal, physical):",
    "   #:                       TYPE NAME                    SIZE       IDENTIFIER",
    "   0:      GUID_partition_scheme                        *500.3 GB   disk0",
    "   1:             Apple_APFS_ISC Container disk1         524.3 MB   disk0s1",
    "   2:                 Apple_APFS Container disk3         494.4 GB   disk0s2",
    "",
    "/dev/disk3 (synthesized):",
    "   #:                       TYPE NAME                    SIZE       IDENTIFIER",
    "   0:      APFS Container Scheme -                      +494.4 GB   disk3",
    "                                 Physical Store disk0s2",
    "   1:                APFS Volume Macintosh HD            12.8 GB    disk3s1",
    "",
    "/dev/disk4 (external, physical):",
    "   #:                       TYPE NAME                    SIZE       IDENTIFIER",
    "   0:     FDisk_partition_scheme                        *16.0 GB    disk4",
    "   1:                 DOS_FAT_32 STICK                   16.0 GB    disk4s1",
  ].join("\n"));
  assert.equal(apfs.ok && list.ok, true);
  if (!apfs.ok || !list.ok) return;
  const volumes = darwinVolumes(apfs.value, list.value, "");
  const data = volumes.find((v) => v.disk.name === "/dev/disk3s5")!;
  assert.equal(data.disk.internal, true);
  assert.equal(data.disk.encryption_method, "FileVault");
  const stick = volumes.find((v) => v.disk.name === "/dev/disk4s1")!;
  assert.equal(stick.disk.removable, true);
  assert.equal(stick.disk.encryption_enabled, false);
});

test("reads fdesetup status as the second FileVault witness", () => {
  assert.deepEqual(parseFdesetupStatus(f("macos-2022.fdesetup-status-on.txt")), { ok: true, value: { on: true, converting: false } });
  assert.equal(parseFdesetupStatus("fdesetup: unknown verb").ok, false);
});

test("counts a BitLocker volume as encrypted only when fully encrypted and protection is on", () => {
  assert.equal(bitlockerState({ letter: "C:", protection: 1, conversion: 1, method: 7, volumeType: 0 }).enabled, true);
  assert.equal(bitlockerState({ letter: "C:", protection: 0, conversion: 1, method: 7, volumeType: 0 }).enabled, false, "suspended protection");
  assert.equal(bitlockerState({ letter: "C:", protection: 0, conversion: 2, method: 7, volumeType: 0 }).enabled, false, "still encrypting");
  assert.equal(bitlockerState({ letter: "D:", protection: 2, conversion: 1, method: 6, volumeType: 1 }).enabled, null, "locked volume");
});

test("without Administrator, BitLocker state is unknown with the reason", () => {
  const vols = windowsVolumes([{ letter: "C:", driveType: 3, fs: "NTFS", size: 100, free: 40, label: null }], { ok: false, reason: "Win32_EncryptableVolume: access denied (needs Administrator)" });
  assert.equal(vols[0]!.disk.encryption_enabled, null);
  assert.equal(vols[0]!.reasons.encryption_enabled, "Win32_EncryptableVolume: access denied (needs Administrator)");
  assert.equal(vols[0]!.disk.capacity_used_bytes, 60);
});

test("util-linux before 2.33 (RHEL 8, Ubuntu 18.04): without PATH/FSSIZE/FSUSED columns the disks are still read", async () => {
  const recorded = f("fedora-util-linux-2.3x.lsblk-json-strings.json");
  const asked: string[] = [];
  const ctx = {
    ...createContext({ platform: "linux" }),
    // An lsblk that knows only the pre-2.33 columns: util-linux names the first unknown one and the rest of the list.
    run: async (argv: readonly string[]) => {
      const columns = argv[argv.length - 1]!;
      asked.push(columns);
      const unknownColumn = columns.split(",").find((c) => ["PATH", "FSSIZE", "FSUSED", "MOUNTPOINTS"].includes(c));
      if (unknownColumn) {
        const rest = columns.slice(columns.indexOf(unknownColumn));
        return { ok: false as const, reason: `lsblk: exit 1: lsblk: unknown column: ${rest}`, stdout: "", stderr: `lsblk: unknown column: ${rest}\n`, code: 1 };
      }
      return { ok: true as const, stdout: recorded, stderr: "", code: 0 };
    },
  };
  const result = await disksCollector(ctx).collect();
  assert.notEqual(result.value, null, JSON.stringify(result.unknown));
  assert.equal(asked.length, 3, "MOUNTPOINTS, then MOUNTPOINT, then the pre-2.33 column set");
  const root = result.value!.find((d) => d.mountpoint === "/");
  assert.equal(root?.name, "/dev/fedora-root");
  assert.equal(result.value!.find((d) => d.mountpoint === "/boot/efi")?.boot_partition, true);
});

test("macOS 11+: each APFS volume is reported once, and the volume whose sealed snapshot is mounted at / is the one at /", () => {
  const apfs = parseApfsList(f("macos-apple-silicon.diskutil-apfs-list-excerpt.txt"));
  const list = parseDiskutilList(f("macos-12plus-apple-silicon.diskutil-list.txt"));
  assert.equal(apfs.ok && list.ok, true);
  if (!apfs.ok || !list.ok) return;
  const volumes = darwinVolumes(apfs.value, list.value, "");
  const names = volumes.map((v) => v.disk.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], "no device twice");
  assert.deepEqual(volumes.filter((v) => /^APFS /.test(v.disk.fs_type ?? "")).map((v) => v.disk.name), [], "diskutil list's APFS rows are not volumes of their own");
  const root = volumes.filter((v) => v.disk.mountpoint === "/");
  assert.deepEqual(root.map((v) => [v.disk.name, v.disk.encryption_enabled]), [["/dev/disk3s1", true]]);
  assert.equal(volumes.find((v) => v.disk.name === "/dev/disk4s1")?.disk.removable, true, "the external disk's partition is still listed");
});
