/** software: installed packages/applications {name, version, source, path}, bounded by FACTS_LIMITS. */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Collector, FamilyResult } from "../types.ts";
import { FACTS_LIMITS, type SoftwareFacts } from "../../../shared/facts/schema.ts";
import { Limiter } from "../runner/run.ts";
import { known, unknown, type Probe, type ProbeContext } from "../probe.ts";
import { DPKG_QUERY, RPM_QUERY, parseDpkgQuery, parseRpmQuery } from "./linux.ts";
import { parseInfoPlist } from "./darwin.ts";
import { WINDOWS_SOFTWARE_SCRIPT, parseUninstallEntries } from "./windows.ts";

async function linuxPackages(ctx: ProbeContext): Promise<Probe<SoftwareFacts[]>> {
  const dpkg = await ctx.run(DPKG_QUERY, { maxBytes: 16 * 1024 * 1024 });
  if (dpkg.ok) return known(parseDpkgQuery(dpkg.stdout));
  const rpm = await ctx.run(RPM_QUERY, { maxBytes: 16 * 1024 * 1024 });
  if (rpm.ok) return known(parseRpmQuery(rpm.stdout));
  return unknown(`${dpkg.reason}; ${rpm.reason}`);
}

async function macApplications(ctx: ProbeContext): Promise<Probe<SoftwareFacts[]>> {
  const roots = ["/Applications", "/System/Applications", "/Applications/Utilities"];
  const bundles: string[] = [];
  for (const root of roots) {
    const entries = await readdir(root).catch(() => [] as string[]);
    for (const e of entries) if (e.endsWith(".app")) bundles.push(join(root, e));
  }
  if (bundles.length === 0) return unknown("no application bundles under /Applications");
  const limiter = new Limiter(8);
  const apps = await Promise.all(bundles.slice(0, FACTS_LIMITS.software).map((path) => limiter.use(async () => {
    const plistPath = join(path, "Contents", "Info.plist");
    let xml = await ctx.readText(plistPath, 1024 * 1024);
    if (xml.ok && xml.value.startsWith("bplist")) {
      const r = await ctx.run(["plutil", "-convert", "xml1", "-o", "-", plistPath]);
      xml = r.ok ? known(r.stdout) : unknown(r.reason);
    }
    const info = xml.ok ? parseInfoPlist(xml.value) : { name: null, version: null };
    const fallback = path.split("/").pop()!.replace(/\.app$/, "");
    return { name: info.name ?? fallback, version: info.version, source: "applications", path } satisfies SoftwareFacts;
  })));
  return known(apps);
}

export function softwareCollector(ctx: ProbeContext): Collector<"software"> {
  return {
    family: "software",
    async collect(): Promise<FamilyResult<"software">> {
      let probe: Probe<SoftwareFacts[]>;
      if (ctx.platform === "linux") probe = await linuxPackages(ctx);
      else if (ctx.platform === "darwin") probe = await macApplications(ctx);
      else if (ctx.platform === "win32") {
        const r = await ctx.powershell(WINDOWS_SOFTWARE_SCRIPT, 30_000);
        probe = r.ok ? known(parseUninstallEntries(r.stdout)) : unknown(r.reason);
      } else probe = unknown(`no software probe for ${ctx.platform}`);
      if (!probe.ok) return { value: null, unknown: { "": probe.reason } };
      const unknownMap: Record<string, string> = {};
      const value = probe.value.slice(0, FACTS_LIMITS.software);
      value.forEach((s, i) => { if (s.version === null) unknownMap[`[${i}].version`] = "no version recorded by the package source"; });
      return { value, unknown: unknownMap };
    },
  };
}
