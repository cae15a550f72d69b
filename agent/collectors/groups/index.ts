/** groups: local groups {id, name}, bounded by FACTS_LIMITS. */
import type { Collector, FamilyResult } from "../types.ts";
import { FACTS_LIMITS, type GroupFacts } from "../../../shared/facts/schema.ts";
import { known, unknown, type Probe, type ProbeContext } from "../probe.ts";
import { parseGroupFile } from "./linux.ts";
import { parseDsclGroupList } from "./darwin.ts";
import { WINDOWS_GROUPS_SCRIPT, parseWindowsGroups } from "./windows.ts";

export function groupsCollector(ctx: ProbeContext): Collector<"groups"> {
  return {
    family: "groups",
    async collect(): Promise<FamilyResult<"groups">> {
      let probe: Probe<GroupFacts[]>;
      if (ctx.platform === "linux") {
        const file = await ctx.readText("/etc/group");
        probe = file.ok ? known(parseGroupFile(file.value)) : file;
      } else if (ctx.platform === "darwin") {
        const r = await ctx.run(["dscl", ".", "-list", "/Groups", "PrimaryGroupID"]);
        probe = r.ok ? known(parseDsclGroupList(r.stdout)) : unknown(r.reason);
      } else if (ctx.platform === "win32") {
        const r = await ctx.powershell(WINDOWS_GROUPS_SCRIPT);
        probe = r.ok ? known(parseWindowsGroups(r.stdout)) : unknown(r.reason);
      } else probe = unknown(`no groups probe for ${ctx.platform}`);
      if (!probe.ok) return { value: null, unknown: { "": probe.reason } };
      return { value: probe.value.slice(0, FACTS_LIMITS.groups), unknown: {} };
    },
  };
}
