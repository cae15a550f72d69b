/**
 * hardware: manufacturer, model, serial, CPU, memory, plus Facet's `uuid`, `virtual` and
 * `machine_id` (node-machine-id's hash, so the connector can flag cloned VMs sharing one).
 * Slow and rarely changing, so the run caches it (`cacheForMs`).
 */
import os from "node:os";
import si from "systeminformation";
import nodeMachineId from "node-machine-id";
import type { Collector, FamilyResult } from "../types.ts";
import { Unknowns, within, known, runsAsRoot, unknown, type Probe, type ProbeContext } from "../probe.ts";
import { cpuName, firmwareString, modelOf, type SiHardware } from "./normalize.ts";
import { dmiUnavailableReason } from "./linux.ts";
import { probeLinuxVirtual } from "./virtual.ts";
import { darwinUnavailableReason } from "./darwin.ts";
import { probeWindowsHardware } from "./windows.ts";

const SI_TIMEOUT_MS = 4000;

async function probeSystemInformation(): Promise<Probe<SiHardware>> {
  const [system, cpu, mem] = await Promise.all([
    within("systeminformation.system", SI_TIMEOUT_MS, si.system()),
    within("systeminformation.cpu", SI_TIMEOUT_MS, si.cpu()),
    within("systeminformation.mem", SI_TIMEOUT_MS, si.mem()),
  ]);
  if (!system.ok) return system;
  return known({
    system: system.value,
    // CPU and memory also come from Node itself when systeminformation fails.
    cpu: cpu.ok ? cpu.value : { manufacturer: "", brand: os.cpus()[0]?.model ?? "", cores: os.cpus().length },
    mem: mem.ok ? mem.value : { total: os.totalmem() },
  });
}

/** Virtual machines name themselves in DMI; containers are reported by systeminformation. */
export function looksVirtual(manufacturer: string, model: string): boolean | null {
  const text = `${manufacturer} ${model}`;
  if (/vmware|virtualbox|qemu|kvm|xen|parallels|bochs|virtual machine|hvm domu|google compute engine|amazon ec2/i.test(text)) return true;
  return manufacturer.trim() || model.trim() ? false : null;
}

async function probeMachineId(ctx: ProbeContext): Promise<Probe<string>> {
  // node-machine-id falls back to hashing the *hostname* when Linux has no machine-id file; that
  // would be a fake identifier, so require the file.
  if (ctx.platform === "linux" && !(await ctx.exists("/etc/machine-id")) && !(await ctx.exists("/var/lib/dbus/machine-id"))) {
    return unknown("no /etc/machine-id or /var/lib/dbus/machine-id");
  }
  return within("node-machine-id", SI_TIMEOUT_MS, nodeMachineId.machineId());
}

export function hardwareCollector(ctx: ProbeContext): Collector<"hardware"> {
  return {
    family: "hardware",
    cacheForMs: 6 * 60 * 60 * 1000,
    async collect(): Promise<FamilyResult<"hardware">> {
      const u = new Unknowns();
      const [hw, machineId] = await Promise.all([
        ctx.platform === "win32" ? probeWindowsHardware(ctx) : probeSystemInformation(),
        probeMachineId(ctx),
      ]);
      if (!hw.ok) {
        return { value: null, unknown: { "": hw.reason } };
      }
      const why = ctx.platform === "linux" ? await dmiUnavailableReason(runsAsRoot(ctx))
        : ctx.platform === "darwin" ? darwinUnavailableReason : "not reported by WMI";
      const { system, cpu, mem } = hw.value;
      const manufacturer = u.take("manufacturer", firmwareString("manufacturer", system.manufacturer, why));
      const model = u.take("model", modelOf(system, why));
      // On Linux systeminformation's `virtual` comes from a dmesg grep that calls AMD hosts virtual.
      const linuxVirtual = ctx.platform === "linux" ? await probeLinuxVirtual(ctx) : null;
      const virtual = linuxVirtual ? (linuxVirtual.ok ? linuxVirtual.value : null) : system.virtual ?? looksVirtual(manufacturer ?? "", model ?? "");
      return {
        value: {
          manufacturer,
          model,
          serial: u.take("serial", firmwareString("serial", system.serial, why)),
          cpu_name: u.take("cpu_name", cpuName(cpu)),
          cpu_count: cpu.cores > 0 ? cpu.cores : u.set("cpu_count", "no CPU count reported"),
          memory_bytes: mem.total > 0 ? mem.total : u.set("memory_bytes", "no memory size reported"),
          uuid: u.take("uuid", firmwareString("uuid", system.uuid, why)),
          virtual: virtual ?? u.set("virtual", linuxVirtual && !linuxVirtual.ok ? linuxVirtual.reason : "no hypervisor or container signature and no DMI vendor to judge by"),
          machine_id: u.take("machine_id", machineId),
        },
        unknown: u.map,
      };
    },
  };
}
