import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { cpuName, firmwareString, modelOf, type SiHardware } from "./normalize.ts";
import { parseWindowsHardware } from "./windows.ts";
import { looksVirtual } from "./index.ts";
import { cpuinfoSaysHypervisor, judgeLinuxVirtual } from "./virtual.ts";

const hw = JSON.parse(fixture(import.meta.url, "debian-12-container.systeminformation.json")) as SiHardware;

test("systeminformation's empty and '-' answers in this container become unknown with the reason", () => {
  assert.deepEqual(firmwareString("serial", hw.system.serial, "no /sys/class/dmi/id"), { ok: false, reason: "serial: no /sys/class/dmi/id" });
  assert.deepEqual(firmwareString("manufacturer", hw.system.manufacturer, "needs root"), { ok: false, reason: "manufacturer: needs root" });
  assert.equal(modelOf(hw.system, "x").ok, false, "'Docker Container' is systeminformation's label, not a model");
  assert.deepEqual(cpuName(hw.cpu), { ok: true, value: "AMD EPYC" });
  assert.equal(hw.system.virtual, true);
});

test("firmware placeholders never pass as serial numbers", () => {
  assert.deepEqual(firmwareString("serial", "To be filled by O.E.M.", ""), { ok: false, reason: 'serial: firmware placeholder "To be filled by O.E.M."' });
  assert.deepEqual(firmwareString("serial", "C02XL0GYJGH5", ""), { ok: true, value: "C02XL0GYJGH5" });
});

test("recognises hypervisors by DMI vendor and model", () => {
  assert.equal(looksVirtual("VMware, Inc.", "VMware20,1"), true);
  assert.equal(looksVirtual("Microsoft Corporation", "Virtual Machine"), true);
  assert.equal(looksVirtual("LENOVO", "20XW0055GE"), false);
  assert.equal(looksVirtual("", ""), null);
});

test("merges the Windows CIM blocks into one hardware record", () => {
  // Synthetic (shape of Format-List output, not a recording).
  const r = parseWindowsHardware("\nManufacturer              : LENOVO\nModel                     : 20XW0055GE\nTotalPhysicalMemory       : 16901771264\nNumberOfLogicalProcessors : 8\n\nSerialNumber : PF2ABCDE\n\nUUID : 4C4C4544-0042-3510-8052-B4C04F565031\n\nName : 11th Gen Intel(R) Core(TM) i5-1135G7 @ 2.40GHz\n");
  assert.equal(r.ok, true);
  if (r.ok) {
    assert.equal(r.value.system.serial, "PF2ABCDE");
    assert.equal(r.value.cpu.cores, 8);
    assert.equal(r.value.mem.total, 16901771264);
  }
});

test("systeminformation's 'Computer' (its default when DMI says 'Default string' or nothing) is not a model", () => {
  // node_modules/systeminformation/lib/system.js: `if (!result.model) result.model = 'Computer'` after cleanDefaults("Default string").
  const r = modelOf({ ...hw.system, model: "Computer" }, "empty in DMI (/sys/class/dmi/id)");
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /placeholder/);
  assert.equal(modelOf({ ...hw.system, model: "Default string" }, "").ok, false);
  assert.equal(modelOf({ ...hw.system, model: "To be filled by O.E.M." }, "").ok, false);
  assert.deepEqual(modelOf({ ...hw.system, model: "ThinkPad T14 Gen 2i" }, ""), { ok: true, value: "ThinkPad T14 Gen 2i" });
});

test("a physical AMD desktop (AMD-V, no hypervisor flag) is not virtual, although systeminformation's dmesg grep would say so", () => {
  const cpuinfo = fixture(import.meta.url, "linux-ryzen-7-1700.proc-cpuinfo-cpu0.txt");
  // The same CPU feature makes kvm_amd log this line at boot; systeminformation greps dmesg for virtual|hypervisor and kvm.
  const dmesg = "[    5.842884] kvm_amd: Virtual VMLOAD VMSAVE supported";
  assert.ok(/virtual|hypervisor/i.test(dmesg) && /vmware|qemu|kvm|xen/i.test(dmesg), "systeminformation's heuristic matches this line");
  assert.equal(cpuinfoSaysHypervisor(cpuinfo), false);
  assert.deepEqual(judgeLinuxVirtual({ detectVirt: "none", cpuinfo, dmiVendor: "System manufacturer", dmiProduct: "System Product Name", containerMarkers: [] }), { ok: true, value: false });
});

test("this Firecracker guest's container is virtual: systemd-detect-virt says docker, /.dockerenv, hypervisor flag", () => {
  const cpuinfo = fixture(import.meta.url, "debian-12-container-firecracker.proc-cpuinfo-cpu0.txt");
  assert.equal(cpuinfoSaysHypervisor(cpuinfo), true);
  assert.deepEqual(judgeLinuxVirtual({ detectVirt: "docker", cpuinfo, dmiVendor: null, dmiProduct: null, containerMarkers: ["/.dockerenv"] }), { ok: true, value: true });
  // Without the container, the hypervisor flag alone speaks: a VM.
  assert.deepEqual(judgeLinuxVirtual({ detectVirt: null, cpuinfo, dmiVendor: null, dmiProduct: null, containerMarkers: [] }), { ok: true, value: true });
});

test("witnesses that disagree make virtual unknown, with what each said", () => {
  const physical = fixture(import.meta.url, "linux-ryzen-7-1700.proc-cpuinfo-cpu0.txt");
  const r = judgeLinuxVirtual({ detectVirt: "kvm", cpuinfo: physical, dmiVendor: "QEMU", dmiProduct: "Standard PC (Q35 + ICH9, 2009)", containerMarkers: [] });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /disagree: systemd-detect-virt: kvm \(virtual\); cpuinfo: no hypervisor flag \(physical\); DMI: QEMU/);
  assert.equal(judgeLinuxVirtual({ detectVirt: null, cpuinfo: null, dmiVendor: null, dmiProduct: null, containerMarkers: [] }).ok, false);
});
