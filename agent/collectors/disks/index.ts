/**
 * disks: every volume with capacity, `encryption_enabled` and Facet's `encryption_method`,
 * `internal`/`removable` and `boot_partition` (EFI/boot/system-support volumes), so a policy can
 * ask "are all internal data volumes encrypted" without tripping over USB sticks or the ESP.
 */
import { statfs } from "node:fs/promises";
import type { Collector, FamilyResult } from "../types.ts";
import { FACTS_LIMITS } from "../../../shared/facts/schema.ts";
import { Unknowns, unknown, type Probe, type ProbeContext } from "../probe.ts";
import type { Volume } from "./types.ts";
import { LSBLK_COLUMNS, LSBLK_COLUMNS_LEGACY, LSBLK_COLUMNS_OLD, parseLsblk } from "./linux.ts";
import { darwinVolumes, parseApfsList, parseDiskutilList, parseFdesetupStatus } from "./darwin.ts";
import { WINDOWS_BITLOCKER_SCRIPT, WINDOWS_LOGICAL_DISK_SCRIPT, parseEncryptableVolumes, parseLogicalDisks, windowsVolumes } from "./windows.ts";

async function linuxVolumes(ctx: ProbeContext): Promise<Probe<Volume[]>> {
  // Each util-linux generation refuses the newer columns by name ("unknown column: PATH,…"): step down.
  let result = await ctx.run(["lsblk", "-J", "-b", "-o", LSBLK_COLUMNS]);
  if (!result.ok && /unknown column/i.test(result.reason)) result = await ctx.run(["lsblk", "-J", "-b", "-o", LSBLK_COLUMNS_OLD]);
  if (!result.ok && /unknown column/i.test(result.reason)) result = await ctx.run(["lsblk", "-J", "-b", "-p", "-o", LSBLK_COLUMNS_LEGACY]);
  if (!result.ok) return unknown(result.reason);
  const parsed = parseLsblk(result.stdout);
  if (!parsed.ok) return parsed;
  // Inside a container lsblk sees the host's disks while "/" is an overlay; fill usage from statfs where lsblk had none.
  for (const v of parsed.value) {
    if (v.disk.mountpoint && v.disk.capacity_used_bytes === null) {
      try {
        const s = await statfs(v.disk.mountpoint);
        v.disk.capacity_total_bytes = s.blocks * s.bsize;
        v.disk.capacity_used_bytes = (s.blocks - s.bfree) * s.bsize;
        delete v.reasons.capacity_used_bytes;
        delete v.reasons.capacity_total_bytes;
      } catch {
        // keep lsblk's reason
      }
    }
  }
  return parsed;
}

async function macVolumes(ctx: ProbeContext): Promise<Probe<Volume[]>> {
  const [apfsOut, listOut, fde] = await Promise.all([
    ctx.run(["diskutil", "apfs", "list"]),
    ctx.run(["diskutil", "list"]),
    ctx.run(["fdesetup", "status"]),
  ]);
  const list = listOut.ok ? parseDiskutilList(listOut.stdout) : unknown<never>(listOut.reason);
  const apfs = apfsOut.ok ? parseApfsList(apfsOut.stdout) : unknown<never>(apfsOut.reason);
  if (apfs.ok) return { ok: true, value: darwinVolumes(apfs.value, list.ok ? list.value : null, list.ok ? "" : list.reason) };
  // Second method: fdesetup speaks for the boot volume only.
  const status = fde.ok ? parseFdesetupStatus(fde.stdout) : unknown<never>(fde.reason);
  if (!status.ok) return unknown(`${apfs.reason}; ${status.reason}`);
  return {
    ok: true,
    value: [{
      disk: {
        name: null, mountpoint: "/", label: null, capacity_total_bytes: null, capacity_used_bytes: null,
        encryption_enabled: status.value.on && !status.value.converting, encryption_method: status.value.on ? "FileVault" : null,
        internal: true, removable: false, boot_partition: false,
      },
      reasons: {
        name: apfs.reason, label: apfs.reason, capacity_total_bytes: apfs.reason, capacity_used_bytes: apfs.reason,
      },
    }],
  };
}

async function winVolumes(ctx: ProbeContext): Promise<Probe<Volume[]>> {
  const disksOut = await ctx.powershell(WINDOWS_LOGICAL_DISK_SCRIPT);
  if (!disksOut.ok) return unknown(disksOut.reason);
  const disks = parseLogicalDisks(disksOut.stdout);
  if (!disks.ok) return disks;
  const blOut = await ctx.powershell(WINDOWS_BITLOCKER_SCRIPT);
  const bitlocker = blOut.ok
    ? parseEncryptableVolumes(blOut.stdout)
    : unknown<never>(/access (is )?denied/i.test(blOut.reason) ? "Win32_EncryptableVolume: access denied (needs Administrator)" : blOut.reason);
  return { ok: true, value: windowsVolumes(disks.value, bitlocker) };
}

/** Descriptive fields that are null because there is nothing to report still say so. */
export function explainNulls(v: Volume): Record<string, string> {
  const reasons = { ...v.reasons };
  const d = v.disk;
  if (d.label === null && !reasons.label) reasons.label = "volume has no label";
  if (d.fs_type === null && !reasons.fs_type) reasons.fs_type = "filesystem type not reported";
  if (d.encryption_method === null && !reasons.encryption_method) {
    reasons.encryption_method = d.encryption_enabled === false ? "not encrypted" : reasons.encryption_enabled ?? "encryption method not reported";
  }
  for (const key of ["name", "mountpoint", "capacity_total_bytes", "capacity_used_bytes", "encryption_enabled", "internal", "removable", "boot_partition"] as const) {
    if (d[key] === null && !reasons[key]) reasons[key] = `${key} not reported by the probe`;
  }
  return reasons;
}

export function disksCollector(ctx: ProbeContext): Collector<"disks"> {
  return {
    family: "disks",
    async collect(): Promise<FamilyResult<"disks">> {
      const probe = ctx.platform === "linux" ? await linuxVolumes(ctx)
        : ctx.platform === "darwin" ? await macVolumes(ctx)
        : ctx.platform === "win32" ? await winVolumes(ctx)
        : unknown<Volume[]>(`no disk probe for ${ctx.platform}`);
      if (!probe.ok) return { value: null, unknown: { "": probe.reason } };
      const u = new Unknowns();
      const volumes = probe.value.slice(0, FACTS_LIMITS.disks);
      volumes.forEach((v, i) => u.merge(`[${i}]`, explainNulls(v)));
      return { value: volumes.map((v) => v.disk), unknown: u.map };
    },
  };
}
