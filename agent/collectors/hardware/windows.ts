/**
 * Windows hardware through the run's one PowerShell session (systeminformation would start one
 * powershell.exe per WMI class). Property names in Format-List output are never localized.
 * Win32_ComputerSystem.HypervisorPresent is not used for `virtual`: it is true on physical
 * machines running virtualization-based security, which Windows 11 enables by default.
 */
import type { ProbeContext } from "../probe.ts";
import { parsePsList, psInt, psStr } from "../parse/ps-list.ts";
import { known, unknown, type Probe } from "../probe.ts";
import type { SiHardware } from "./normalize.ts";

export const WINDOWS_HARDWARE_SCRIPT = [
  "Get-CimInstance Win32_ComputerSystem | Format-List Manufacturer,Model,TotalPhysicalMemory,NumberOfLogicalProcessors",
  "Get-CimInstance Win32_BIOS | Format-List SerialNumber",
  "Get-CimInstance Win32_ComputerSystemProduct | Format-List UUID",
  "Get-CimInstance Win32_Processor | Select-Object -First 1 | Format-List Name",
].join("; ");

/** The four Format-List blocks, merged (their property names do not overlap). */
export function parseWindowsHardware(text: string): Probe<SiHardware> {
  const merged = Object.assign({}, ...parsePsList(text)) as Record<string, string>;
  if (!("Manufacturer" in merged) && !("SerialNumber" in merged)) return unknown("Win32_ComputerSystem: unrecognised output");
  const name = psStr(merged.Name) ?? "";
  return known({
    system: {
      manufacturer: psStr(merged.Manufacturer) ?? "",
      model: psStr(merged.Model) ?? "",
      serial: psStr(merged.SerialNumber) ?? "",
      uuid: psStr(merged.UUID) ?? "",
    },
    cpu: { manufacturer: "", brand: name, cores: psInt(merged.NumberOfLogicalProcessors) ?? 0 },
    mem: { total: psInt(merged.TotalPhysicalMemory) ?? 0 },
  });
}

export async function probeWindowsHardware(ctx: ProbeContext): Promise<Probe<SiHardware>> {
  const result = await ctx.powershell(WINDOWS_HARDWARE_SCRIPT);
  return result.ok ? parseWindowsHardware(result.stdout) : unknown(result.reason);
}
