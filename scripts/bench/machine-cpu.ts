/**
 * The whole machine's CPU time from /proc/stat, read before and after a measured run: how busy the
 * cores were and how much of their time the hypervisor gave to other guests (steal). On a shared
 * VM a run during heavy steal loses a third of its CPU without any process here using it, and its
 * tail latencies describe the host, not the connector (docs/performance.md); the report says so
 * beside each open-loop figure. Linux only; elsewhere the samples are null.
 *
 *   const before = sampleMachineCpu();
 *   await run();
 *   const share = machineCpuBetween(before, sampleMachineCpu()); // { busy: 0.61, steal: 0.27 } or null
 */
import { readFileSync } from "node:fs";

export interface MachineCpuSample {
  /** Clock ticks summed over every core: user … steal (guest time is inside user and nice already). */
  total: number;
  idle: number;
  steal: number;
}

/** The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal [guest guest_nice]. */
export function parseProcStat(text: string): MachineCpuSample {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  const fields = line?.trim().split(/\s+/).slice(1, 9).map(Number);
  if (!fields || fields.length < 8 || fields.some((f) => !Number.isFinite(f))) throw new Error(`no aggregate cpu line in /proc/stat: ${text.slice(0, 80)}`);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
}

export function sampleMachineCpu(): MachineCpuSample | null {
  try {
    return parseProcStat(readFileSync("/proc/stat", "utf8"));
  } catch {
    return null;
  }
}

/** Shares of all cores' time: busy (neither idle nor stolen) and stolen. */
export interface MachineCpuShare {
  busy: number;
  steal: number;
}

export function machineCpuBetween(before: MachineCpuSample | null, after: MachineCpuSample | null): MachineCpuShare | null {
  if (!before || !after) return null;
  const total = after.total - before.total;
  if (total <= 0) return null;
  const steal = (after.steal - before.steal) / total;
  return { busy: 1 - (after.idle - before.idle) / total - steal, steal };
}

/** Above this share of stolen CPU a run's latencies say more about the host than about what ran on it. */
const NOTABLE_STEAL = 0.1;

/** The report's warning for a run during heavy steal, or null. */
export function stealNote(what: string, machine: MachineCpuShare | null): string | null {
  if (!machine || machine.steal < NOTABLE_STEAL) return null;
  return `${what}: the hypervisor took ${Math.round(machine.steal * 100)} % of the machine's CPU during the run (steal in /proc/stat); its latencies describe the host more than the server, so rerun it before judging`;
}
