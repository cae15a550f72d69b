/**
 * CPU time of each thread of a process, from /proc/<pid>/task/<tid>/stat, read from outside the
 * process (Linux only; elsewhere the figures are absent). A bench run reads it before and after a
 * measured run and divides the difference by the requests or snapshots served: CPU per unit does
 * not move with other processes' load the way wall-clock throughput does.
 */
import { execSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

export interface ThreadStat {
  tid: number;
  comm: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** Page faults served without I/O (minflt): on this bench's VMs each costs microseconds, and fresh memory pays one per page. */
  minorFaults: number;
}

/** One /proc/…/stat line. comm may hold spaces and parentheses, so fields are counted after the last ")". */
export function parseStatLine(line: string): ThreadStat {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  const { utime, stime, minorFaults } = statFields(line);
  return { tid: Number(line.slice(0, open).trim()), comm: line.slice(open + 1, close), ticks: utime + stime, minorFaults };
}

/** The numeric fields the bench reads from one /proc/…/stat line: utime and stime in clock ticks, and minflt. */
export function statFields(line: string): { utime: number; stime: number; minorFaults: number } {
  // After ")": field 3 (state) is index 0, so minflt (field 10) is index 7, utime (14) 11, stime (15) 12.
  const rest = line.slice(line.lastIndexOf(")") + 2).split(" ");
  const [minorFaults, utime, stime] = [Number(rest[7]), Number(rest[11]), Number(rest[12])];
  if (![minorFaults, utime, stime].every(Number.isFinite)) throw new Error(`no minflt/utime/stime in: ${line.slice(0, 80)}`);
  return { utime, stime, minorFaults };
}

let ticksPerSecond: number | undefined;
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execSync("getconf CLK_TCK").toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ThreadSample {
  pid: number;
  at: number;
  threads: Map<number, ThreadStat>;
}

export function sampleThreads(pid: number): ThreadSample | null {
  const threads = new Map<number, ThreadStat>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  for (const tid of tids) {
    try {
      const stat = parseStatLine(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8"));
      threads.set(stat.tid, stat);
    } catch {
      /* the thread ended between the listing and the read */
    }
  }
  return { pid, at: performance.now(), threads };
}

export interface ThreadGroupCpu {
  /** "main" (tid == pid), a label given for the thread, or its comm. */
  name: string;
  threads: number;
  cpuMs: number;
  minorFaults: number;
}

/**
 * Unlabelled threads named like the main thread: Node 20 names all its threads after the process
 * ("node"), so V8's platform threads (GC, compilation) and the libuv pool land here together;
 * runtimes that name their threads ("libuv-worker", …) are grouped by those names instead.
 */
export const OTHER_THREADS = "V8+libuv threads";

/**
 * CPU spent and minor page faults taken between two samples, grouped: the main thread first, then
 * each label (labels: tid → name, e.g. a worker's script), then the unlabelled threads by comm. A
 * thread that ended between the samples is missing from `after`, and its CPU with it.
 */
export function cpuBetween(before: ThreadSample, after: ThreadSample, labels: ReadonlyMap<number, string> = new Map()): { wallMs: number; groups: ThreadGroupCpu[] } {
  const msPerTick = 1000 / clockTicks();
  const groups = new Map<string, ThreadGroupCpu>();
  const mainComm = after.threads.get(after.pid)?.comm;
  for (const [tid, stat] of after.threads) {
    const name = tid === after.pid ? "main" : (labels.get(tid) ?? (stat.comm === mainComm ? OTHER_THREADS : stat.comm));
    const cpuMs = (stat.ticks - (before.threads.get(tid)?.ticks ?? 0)) * msPerTick;
    const group = groups.get(name) ?? { name, threads: 0, cpuMs: 0, minorFaults: 0 };
    group.threads += 1;
    group.cpuMs += cpuMs;
    group.minorFaults += stat.minorFaults - (before.threads.get(tid)?.minorFaults ?? 0);
    groups.set(name, group);
  }
  const ordered = [...groups.values()].sort((a, b) => (a.name === "main" ? -1 : b.name === "main" ? 1 : b.cpuMs - a.cpuMs));
  return { wallMs: after.at - before.at, groups: ordered };
}
