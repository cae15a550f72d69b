/** Hardware probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseWindowsHardware } from "./windows.ts";
import { firmwareString, modelOf, type SiHardware } from "./normalize.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("Win32_ComputerSystem default view from real PCs: vendor, model and memory", () => {
  const gigabyte = parseWindowsHardware(f("windows-10-22h2-zh.win32-computersystem.txt"));
  assert.ok(gigabyte.ok);
  assert.equal(gigabyte.value.system.manufacturer, "Gigabyte Technology Co., Ltd.");
  assert.equal(gigabyte.value.system.model, "B250-HD3");
  assert.equal(gigabyte.value.mem.total, 17135796224);
  // Win32_BIOS is not in this recording: no serial, rather than a guessed one.
  assert.equal(gigabyte.value.system.serial, "");
  const compaq = parseWindowsHardware(f("windows-xp-era-docs.win32-computersystem.txt"));
  assert.ok(compaq.ok);
  assert.deepEqual([compaq.value.system.manufacturer, compaq.value.system.model, compaq.value.mem.total], ["Compaq Presario 06", "DA243A-ABA 6415cl NA910", 804765696]);
});

test("Win32_ComputerSystem with every property (HP ZBook, Dell OptiPlex): logical processors and memory", () => {
  const hp = parseWindowsHardware(f("windows-11-hp-zbook-entra.win32-computersystem-all.txt"));
  assert.ok(hp.ok);
  assert.deepEqual([hp.value.system.manufacturer, hp.value.system.model, hp.value.cpu.cores, hp.value.mem.total],
    ["HP", "HP ZBook Firefly 16 inch G10 Mobile Workstation PC", 20, 67864158208]);
  const dell = parseWindowsHardware(f("windows-zh-dell-optiplex.win32-computersystem-all.txt"));
  assert.ok(dell.ok);
  assert.deepEqual([dell.value.system.manufacturer, dell.value.system.model, dell.value.cpu.cores, dell.value.mem.total], ["Dell Inc.", "OptiPlex 5050", 4, 4152328192]);
});

/** Node's console.log notation of a flat object of strings ({ key: 'value' }) as JSON. */
const nodeObject = (text: string): Record<string, string> =>
  JSON.parse(text.replace(/^(\s*)(\w+):/gm, '$1"$2":').replace(/'([^']*)'/g, (_, v: string) => JSON.stringify(v))) as Record<string, string>;

test("systeminformation on a physical Linux desktop without root: \"Virtual machine\" and \"-\" are not facts", () => {
  const system = nodeObject(f("linux-mint-20-desktop.systeminformation-system-nonroot.txt")) as unknown as SiHardware["system"];
  const why = "/sys/class/dmi/id is readable by root only: needs root";
  const model = modelOf(system, why);
  assert.equal(model.ok, false);
  assert.match(model.ok ? "" : model.reason, /virtual machine/);
  assert.deepEqual(firmwareString("serial", system.serial, why), { ok: false, reason: `serial: ${why}` });
  assert.equal(firmwareString("manufacturer", system.manufacturer, why).ok, false);
});
