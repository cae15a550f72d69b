/** Disk probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseLsblk } from "./linux.ts";
import { parseDiskutilList } from "./darwin.ts";
import { parseLogicalDisks } from "./windows.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("lsblk from a real LUKS-on-LVM workstation: the ESP, the root filesystem, and LUKS containers as layers", () => {
  const r = parseLsblk(f("linux-kolide-2024.lsblk-p-json.json"));
  assert.ok(r.ok);
  const byMount = new Map(r.value.map((v) => [v.disk.mountpoint, v.disk]));
  assert.equal(byMount.get("/boot/efi")?.boot_partition, true);
  assert.equal(byMount.get("/boot/efi")?.fs_type, "vfat");
  // The root xfs sits directly on sda3: no crypt layer under it, so not encrypted.
  assert.equal(byMount.get("/")?.fs_type, "xfs");
  assert.equal(byMount.get("/")?.encryption_enabled, false);
  // crypto_LUKS partitions are containers, never volumes themselves.
  assert.equal(r.value.some((v) => v.disk.fs_type === "crypto_LUKS"), false);
});

test("diskutil list on an Intel Mac: internal disk0, its EFI partition, container disk1 on disk0s2", () => {
  const r = parseDiskutilList(f("macos-10.14-intel.diskutil-list.txt"));
  assert.ok(r.ok);
  assert.deepEqual(r.value.internal, { disk0: true });
  assert.deepEqual(r.value.stores, { disk1: "disk0s2" });
  assert.deepEqual(r.value.partitions.find((p) => p.device === "disk0s1"), { device: "disk0s1", type: "EFI", name: "EFI", wholeDisk: "disk0" });
  assert.deepEqual(r.value.partitions.find((p) => p.device === "disk1s1"), { device: "disk1s1", type: "APFS Volume", name: "Macintosh HD", wholeDisk: "disk1" });
});

test("diskutil list on an Apple-silicon Mac: \"(internal)\" without \"physical\", no row for free space or the snapshot", () => {
  const r = parseDiskutilList(f("macos-12-apple-silicon.diskutil-list.txt"));
  assert.ok(r.ok);
  assert.deepEqual(r.value.internal, { disk0: true });
  assert.deepEqual(r.value.stores, { disk3: "disk0s2" });
  const devices = r.value.partitions.map((p) => p.device);
  assert.deepEqual(devices, ["disk0s1", "disk0s2", "disk0s6", "disk3s1", "disk3s2", "disk3s3", "disk3s5", "disk3s6"]);
  assert.equal(r.value.partitions.find((p) => p.device === "disk0s6")?.type, "Apple_APFS_Recovery");
});

test("Win32_LogicalDisk from real Windows machines: letters, sizes, and Chinese volume labels kept as written", () => {
  const zh = parseLogicalDisks(f("windows-zh.win32-logicaldisk.txt"));
  assert.deepEqual(zh, { ok: true, value: [
    { letter: "C:", driveType: 3, fs: null, size: 85218238464, free: 38964342784, label: "系统" },
    { letter: "D:", driveType: 3, fs: null, size: 394200608768, free: 253565566976, label: "软件" },
  ] });
  const docs = parseLogicalDisks(f("windows-docs.win32-logicaldisk-fixed.txt"));
  assert.ok(docs.ok);
  assert.deepEqual(docs.value.map((d) => [d.letter, d.size, d.label]), [["C:", 203912880128, "Local Disk"], ["Q:", 122934034432, "New Volume"]]);
});
