/**
 * os: family, name, version, arch (authentik's keys), plus Facet's `build`, `kernel` and `patch`.
 */
import os from "node:os";
import type { Collector, FamilyResult } from "../types.ts";
import type { OsFacts } from "../../../shared/facts/schema.ts";
import { Unknowns, goArch, unknown, stdoutOf, type Probe, type ProbeContext } from "../probe.ts";
import { parseOsRelease, probeLinuxLastPatch, probeLinuxPendingSecurity } from "./linux.ts";
import { parseInstallHistory, parseSwVers } from "./darwin.ts";
import { WINDOWS_HOTFIX_SCRIPT, WINDOWS_VERSION_SCRIPT, parseHotfixDate, parseWindowsVersion } from "./windows.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export function daysSince(iso: string, now: Date): number | null {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return Math.max(0, Math.floor((now.getTime() - t) / DAY_MS));
}

function patchFacts(u: Unknowns, ctx: ProbeContext, last: Probe<string>, pending: Probe<number> | null): NonNullable<OsFacts["patch"]> {
  const lastPatch = u.take("patch.last_patch_date", last);
  const days = lastPatch === null ? null : daysSince(lastPatch, ctx.now());
  if (lastPatch !== null && days === null) u.set("patch.days_since_last_patch", `unparseable date ${lastPatch}`);
  else if (lastPatch === null) u.set("patch.days_since_last_patch", "last patch date unknown");
  return {
    last_patch_date: lastPatch,
    days_since_last_patch: days,
    pending_security_updates: pending === null
      ? u.set("patch.pending_security_updates", `not readable without network on ${ctx.platform}`)
      : u.take("patch.pending_security_updates", pending),
  };
}

async function collectLinux(ctx: ProbeContext, u: Unknowns): Promise<OsFacts> {
  const [release, last, pending] = await Promise.all([
    ctx.readText("/etc/os-release").then(async (r) => (r.ok ? r : ctx.readText("/usr/lib/os-release"))),
    probeLinuxLastPatch(ctx),
    probeLinuxPendingSecurity(ctx, ctx.slowAnswerWaitMs),
  ]);
  const parsed = release.ok ? parseOsRelease(release.value) : unknown<never>(release.reason);
  const info = parsed.ok ? parsed.value : null;
  if (!parsed.ok) { u.set("name", parsed.reason); u.set("version", parsed.reason); }
  return {
    family: "linux",
    name: info?.name ?? (info ? u.set("name", "os-release has no NAME") : null),
    version: info?.version ?? (info ? u.set("version", "os-release has no VERSION or VERSION_ID") : null),
    arch: goArch(),
    build: os.release(),
    kernel: os.release(),
    patch: patchFacts(u, ctx, last, pending),
  };
}

async function collectDarwin(ctx: ProbeContext, u: Unknowns): Promise<OsFacts> {
  const [swVers, history] = await Promise.all([
    ctx.run(["sw_vers"]),
    ctx.run(["plutil", "-convert", "xml1", "-o", "-", "/Library/Receipts/InstallHistory.plist"], { maxBytes: 32 * 1024 * 1024 }),
  ]);
  const sw = swVers.ok ? parseSwVers(swVers.stdout) : unknown<never>(swVers.reason);
  const v = sw.ok ? sw.value : null;
  if (!sw.ok) for (const k of ["name", "version", "build"]) u.set(k, sw.reason);
  const last = history.ok ? parseInstallHistory(history.stdout) : unknown<string>(history.reason);
  return {
    family: "mac_os",
    name: v?.name ?? null,
    version: v ? (v.extra ? `${v.version} ${v.extra}` : v.version) : null,
    arch: goArch(),
    build: v?.build ?? null,
    kernel: os.release(),
    patch: patchFacts(u, ctx, last, null),
  };
}

async function collectWindows(ctx: ProbeContext, u: Unknowns): Promise<OsFacts> {
  const version = await ctx.powershell(WINDOWS_VERSION_SCRIPT);
  const hotfix = await ctx.powershell(WINDOWS_HOTFIX_SCRIPT, 20_000);
  const parsed = version.ok ? parseWindowsVersion(version.stdout) : unknown<never>(version.reason);
  const v = parsed.ok ? parsed.value : null;
  if (!parsed.ok) for (const k of ["name", "version", "build"]) u.set(k, parsed.reason);
  const last = stdoutOf(hotfix);
  return {
    family: "windows",
    name: v?.name ?? null,
    version: v?.version ?? null,
    arch: goArch(),
    build: v?.build ?? null,
    kernel: os.release(),
    patch: patchFacts(u, ctx, last.ok ? parseHotfixDate(last.value) : last, null),
  };
}

export function osCollector(ctx: ProbeContext): Collector<"os"> {
  return {
    family: "os",
    async collect(): Promise<FamilyResult<"os">> {
      const u = new Unknowns();
      let value: OsFacts;
      if (ctx.platform === "linux") value = await collectLinux(ctx, u);
      else if (ctx.platform === "darwin") value = await collectDarwin(ctx, u);
      else if (ctx.platform === "win32") value = await collectWindows(ctx, u);
      else value = { family: /bsd/.test(ctx.platform) ? "bsd" : "other", name: os.type(), version: os.release(), arch: goArch() };
      return { value, unknown: u.map };
    },
  };
}

