/** users: local accounts {id, username, name, home}, bounded by FACTS_LIMITS. */
import type { Collector, FamilyResult } from "../types.ts";
import { FACTS_LIMITS, type UserFacts } from "../../../shared/facts/schema.ts";
import { known, unknown, type Probe, type ProbeContext } from "../probe.ts";
import { parsePasswd } from "./linux.ts";
import { usersFromDscl } from "./darwin.ts";
import { WINDOWS_USERS_SCRIPT, parseWindowsUsers } from "./windows.ts";

export function usersCollector(ctx: ProbeContext): Collector<"users"> {
  return {
    family: "users",
    async collect(): Promise<FamilyResult<"users">> {
      let probe: Probe<UserFacts[]>;
      if (ctx.platform === "linux") {
        const passwd = await ctx.readText("/etc/passwd");
        probe = passwd.ok ? known(parsePasswd(passwd.value)) : passwd;
      } else if (ctx.platform === "darwin") {
        const r = await ctx.run(["dscl", ".", "-readall", "/Users", "RecordName", "UniqueID", "RealName", "NFSHomeDirectory"]);
        probe = r.ok ? known(usersFromDscl(r.stdout)) : unknown(r.reason);
      } else if (ctx.platform === "win32") {
        const r = await ctx.powershell(WINDOWS_USERS_SCRIPT);
        probe = r.ok ? known(parseWindowsUsers(r.stdout)) : unknown(r.reason);
      } else probe = unknown(`no users probe for ${ctx.platform}`);
      if (!probe.ok) return { value: null, unknown: { "": probe.reason } };
      const value = probe.value.slice(0, FACTS_LIMITS.users);
      const reasons: Record<string, string> = {};
      value.forEach((user, i) => {
        if (user.name === null) reasons[`[${i}].name`] = "no full name recorded";
        if (user.home === null) reasons[`[${i}].home`] = "no home directory recorded";
      });
      return { value, unknown: reasons };
    },
  };
}
