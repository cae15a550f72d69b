/**
 * Turns systeminformation's hardware answers into facts. systeminformation reports "what it read",
 * including the placeholders firmware vendors leave in DMI tables ("To be filled by O.E.M.",
 * "Default string") and its own "-" or "" when a file was unreadable; none of those may reach a
 * policy as a serial number, so they become unknown with the reason.
 */
import { known, unknown, type Probe } from "../probe.ts";

const PLACEHOLDERS = new Set([
  "", "-", "0", "none", "n/a", "na", "default string", "to be filled by o.e.m.", "to be filled by oem",
  "system serial number", "system product name", "system manufacturer", "not specified", "not applicable",
  "chassis serial number", "base board serial number", "0123456789", "00000000-0000-0000-0000-000000000000",
  "03000200-0400-0500-0006-000700080009", "ffffffff-ffff-ffff-ffff-ffffffffffff",
]);

/** A firmware string, or unknown when it is empty or a known placeholder. `why` explains an empty read. */
export function firmwareString(field: string, value: string | undefined | null, why: string): Probe<string> {
  const v = (value ?? "").trim();
  if (PLACEHOLDERS.has(v.toLowerCase())) {
    return unknown(v === "" || v === "-" ? `${field}: ${why}` : `${field}: firmware placeholder "${v}"`);
  }
  return known(v);
}

export interface SiHardware {
  system: { manufacturer: string; model: string; serial: string; uuid: string; virtual?: boolean; virtualHost?: string };
  cpu: { manufacturer: string; brand: string; cores: number };
  mem: { total: number };
}

export function cpuName(cpu: SiHardware["cpu"]): Probe<string> {
  const name = [cpu.manufacturer, cpu.brand].map((s) => s.trim()).filter(Boolean).join(" ");
  return name ? known(name) : unknown("cpu_name: systeminformation returned no CPU brand");
}

/**
 * systeminformation labels containers "Docker Container"/"Virtual machine" in `model`, and says
 * "Computer" when DMI's product name is empty or a placeholder ("Default string"); none is a model.
 */
export function modelOf(system: SiHardware["system"], why: string): Probe<string> {
  if (/^(docker container|virtual machine)$/i.test(system.model.trim())) {
    return unknown(`model: no DMI product name (${system.model.trim().toLowerCase()}); ${why}`);
  }
  if (/^computer$/i.test(system.model.trim())) {
    return unknown(`model: systeminformation's placeholder "Computer" (DMI product name empty or "Default string"); ${why}`);
  }
  return firmwareString("model", system.model, why);
}
