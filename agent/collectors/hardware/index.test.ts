import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { cpuName, firmwareString, modelOf, type SiHardware } from "./normalize.ts";
import { parseWindowsHardware } from "./windows.ts";
import { looksVirtual } from "./index.ts";

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
