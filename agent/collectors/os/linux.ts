/**
 * Linux os facts: /etc/os-release for name and version, the kernel release as `build`, and
 * patch state from the package manager: the newest upgrade in dpkg's log (or rpm's install
 * times) and the security updates apt/dnf already know about (no network refresh: read-only).
 */
import { known, unknown, type Probe, type ProbeContext } from "../probe.ts";

export interface OsRelease { name: string | null; version: string | null; id: string | null }

/** os-release(5): KEY=value lines, values optionally quoted. */
export function parseOsRelease(text: string): Probe<OsRelease> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) fields[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  if (!fields.NAME && !fields.ID) return unknown("os-release: no NAME or ID");
  return known({ name: fields.NAME ?? null, version: fields.VERSION ?? fields.VERSION_ID ?? null, id: fields.ID ?? null });
}

/** The date of the last `upgrade` in /var/log/dpkg.log ("2024-05-02 10:11:12 upgrade pkg:amd64 1.0 1.1"). */
export function parseDpkgLogLastUpgrade(text: string): Probe<string> {
  let last: string | null = null;
  for (const line of text.split("\n")) {
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) upgrade /.exec(line);
    if (m) last = `${m[1]}T${m[2]}`;
  }
  return last ? known(last) : unknown("dpkg.log: no upgrade recorded since the log was last rotated");
}

/** `rpm -qa --qf '%{INSTALLTIME}\n'` → the newest install time as ISO 8601. */
export function parseRpmInstallTimes(text: string): Probe<string> {
  const times = text.split("\n").map((l) => Number(l.trim())).filter((n) => Number.isFinite(n) && n > 0);
  if (times.length === 0) return unknown("rpm: no install times");
  return known(new Date(Math.max(...times) * 1000).toISOString());
}

/**
 * `apt-get -s upgrade` simulates: each `Inst pkg [old] (new Release:suite [arch])` line is one
 * pending upgrade; those whose suite names a security archive count as security updates.
 */
export function parseAptSimulation(text: string): Probe<{ pending: number; security: number }> {
  if (!/Reading package lists|Inst |0 upgraded/.test(text)) return unknown("apt-get -s upgrade: unrecognised output");
  let pending = 0;
  let security = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("Inst ")) continue;
    pending++;
    if (/security/i.test(line)) security++;
  }
  return known({ pending, security });
}

/** An RPM `name-[epoch:]version-release.arch` as dnf prints it; the name is everything before version-release. */
const NEVRA = /^(.+)-(?:\d+:)?[^-:]+-[^-]+\.(x86_64|noarch|aarch64|i686|i386|ppc64le|s390x|armv7hl|riscv64|src)$/;

/**
 * `dnf -C -q updateinfo list --security --available`: dnf4 prints one line per advisory × package
 * (`RHSA-2023:0334 Important/Sec. kernel-5.14.0-162.12.1.el9_1.x86_64`), dnf5 a table with a header
 * row and the package in another column. Counted as apt's simulation counts: packages with a
 * pending security update, each once however many advisories name it.
 */
export function parseDnfSecurityList(text: string): Probe<number> {
  const packages = new Set<string>();
  for (const line of text.split("\n")) {
    for (const token of line.trim().split(/\s+/).slice(1)) {
      const m = NEVRA.exec(token);
      if (m) packages.add(`${m[1]}.${m[2]}`);
    }
  }
  return known(packages.size);
}

export async function probeLinuxLastPatch(ctx: ProbeContext): Promise<Probe<string>> {
  const log = await ctx.readText("/var/log/dpkg.log", 64 * 1024 * 1024);
  if (log.ok) return parseDpkgLogLastUpgrade(log.value);
  const rpm = await ctx.run(["rpm", "-qa", "--qf", "%{INSTALLTIME}\n"]);
  if (rpm.ok) return parseRpmInstallTimes(rpm.stdout);
  return unknown(`${log.reason}; ${rpm.reason}`);
}

async function runPendingSecurity(ctx: ProbeContext): Promise<Probe<number>> {
  // Debug::NoLocking lets a non-root agent simulate while apt holds its lock.
  const apt = await ctx.run(["apt-get", "-s", "-o", "Debug::NoLocking=1", "upgrade"], { timeoutMs: 60_000, unref: true, env: { ...process.env, LC_ALL: "C" } });
  if (apt.ok) {
    const parsed = parseAptSimulation(apt.stdout);
    return parsed.ok ? known(parsed.value.security) : parsed;
  }
  const dnf = await ctx.run(["dnf", "-C", "-q", "updateinfo", "list", "--security", "--available"], { timeoutMs: 60_000, unref: true });
  if (dnf.ok) return parseDnfSecurityList(dnf.stdout);
  return unknown(`${apt.reason}; ${dnf.reason}`);
}

/**
 * The simulation is slow, the more so without apt's binary cache (Docker images disable it with
 * docker-clean; docs/performance.md), so its answer is cached until the package lists or the dpkg database
 * change, and a run waits for it at most `waitMs`: a slower first answer is reported next run.
 */
const pendingCache: { key: string; at: number; promise: Promise<Probe<number>>; value?: Probe<number> } = { key: "", at: 0, promise: Promise.resolve(unknown("")) };

async function packageStateKey(): Promise<string> {
  const { stat } = await import("node:fs/promises");
  const parts = await Promise.all(["/var/lib/apt/lists", "/var/lib/dpkg/status", "/var/cache/dnf"].map((p) => stat(p).then((s) => `${p}:${s.mtimeMs}`, () => "")));
  return parts.join("|");
}

/** Said in words a person reading `facet-agent facts` understands, for the agent's report and the one-shot run alike. */
export function lateAnswerReason(waitMs: number): string {
  const waited = waitMs >= 1000 ? `${Math.round(waitMs / 1000)} s` : `${waitMs} ms`;
  return `the package manager's check for pending security updates (apt-get -s upgrade or dnf updateinfo) did not finish within ${waited}; ` +
    "the running agent reports it in its next snapshot, and `facet-agent facts` run again answers once the check has finished";
}

export async function probeLinuxPendingSecurity(ctx: ProbeContext, waitMs = 1000): Promise<Probe<number>> {
  const key = await packageStateKey();
  if (key !== pendingCache.key || (pendingCache.value && !pendingCache.value.ok)) {
    pendingCache.key = key;
    pendingCache.value = undefined;
    pendingCache.promise = runPendingSecurity(ctx).then((v) => (pendingCache.value = v));
  }
  if (pendingCache.value) return pendingCache.value;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Probe<number>>((resolve) => {
    timer = setTimeout(() => resolve(unknown(lateAnswerReason(waitMs))), waitMs);
  });
  try {
    return await Promise.race([pendingCache.promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
