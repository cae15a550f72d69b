/** processes: {id, name (command line), user}, bounded by FACTS_LIMITS. */
import { readdir, readFile } from "node:fs/promises";
import type { Collector, FamilyResult } from "../types.ts";
import { FACTS_LIMITS, type ProcessFacts } from "../../../shared/facts/schema.ts";
import { known, unknown, type Probe, type ProbeContext } from "../probe.ts";
import { parsePasswd } from "../users/linux.ts";
import { parseCmdline, parseStatusUid } from "./linux.ts";
import { DARWIN_PS, parsePsOutput } from "./darwin.ts";
import { WINDOWS_PROCESSES_SCRIPT, parseWindowsProcesses } from "./windows.ts";

async function linuxProcesses(ctx: ProbeContext): Promise<Probe<ProcessFacts[]>> {
  let pids: number[];
  try {
    pids = (await readdir("/proc")).filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b).slice(0, FACTS_LIMITS.processes);
  } catch (error) {
    return unknown(`/proc: ${(error as Error).message}`);
  }
  const passwd = await ctx.readText("/etc/passwd");
  const names = new Map((passwd.ok ? parsePasswd(passwd.value) : []).map((u) => [u.id, u.username]));
  const rows = await Promise.all(pids.map(async (pid): Promise<ProcessFacts | null> => {
    try {
      const [cmdline, status] = await Promise.all([readFile(`/proc/${pid}/cmdline`), readFile(`/proc/${pid}/status`, "utf8")]);
      const comm = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? String(pid);
      const uid = parseStatusUid(status);
      return { id: pid, name: parseCmdline(cmdline, comm), user: uid === null ? null : names.get(String(uid)) ?? String(uid) };
    } catch {
      return null; // exited between readdir and read
    }
  }));
  return known(rows.filter((r): r is ProcessFacts => r !== null));
}

export function processesCollector(ctx: ProbeContext): Collector<"processes"> {
  return {
    family: "processes",
    async collect(): Promise<FamilyResult<"processes">> {
      let probe: Probe<ProcessFacts[]>;
      if (ctx.platform === "linux") probe = await linuxProcesses(ctx);
      else if (ctx.platform === "darwin") {
        const r = await ctx.run(DARWIN_PS, { maxBytes: 16 * 1024 * 1024 });
        probe = r.ok ? known(parsePsOutput(r.stdout)) : unknown(r.reason);
      } else if (ctx.platform === "win32") {
        const r = await ctx.powershell(WINDOWS_PROCESSES_SCRIPT, 20_000);
        probe = r.ok ? known(parseWindowsProcesses(r.stdout)) : unknown(r.reason);
      } else probe = unknown(`no process probe for ${ctx.platform}`);
      if (!probe.ok) return { value: null, unknown: { "": probe.reason } };
      const value = probe.value.slice(0, FACTS_LIMITS.processes);
      const reasons: Record<string, string> = {};
      value.forEach((p, i) => { if (p.user === null) reasons[`[${i}].user`] = ctx.platform === "win32" ? "process owner needs Administrator" : "owner not readable"; });
      return { value, unknown: reasons };
    },
  };
}
