/**
 * Whether this process may install or remove the service, checked before anything is touched so a
 * non-admin gets one clear sentence instead of a half-done install and a raw `Access is denied`.
 *
 * POSIX: effective root (uid 0). Windows has no uid: Node's process.getuid is undefined there. The
 * check asks .NET whether the current token is in the Administrators role; under UAC an
 * administrator's unelevated token is not, which is what matters (schtasks /Create with a SYSTEM
 * principal and icacls on ProgramData both need the elevated token). PowerShell prints the boolean
 * as `True`/`False` in every display language. If PowerShell cannot be run at all, `net session`
 * decides instead: it succeeds only elevated (its exit status, not its localized text, is read).
 */
import { spawnSync } from "node:child_process";

/** EX_NOPERM: a deployment script can tell "run me elevated" from other failures. */
export const EXIT_NOT_ADMIN = 77;

export interface ProbeResult {
  /** Exit status; null when the program could not be started or was killed. */
  status: number | null;
  stdout: string;
}

export type Probe = (argv: string[]) => ProbeResult;

export const spawnProbe: Probe = (argv) => {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], windowsHide: true, timeout: 30_000 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? "" };
};

export const WINDOWS_ADMIN_CHECK = [
  "powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
  "([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)",
];
export const WINDOWS_ADMIN_FALLBACK = ["net.exe", "session"];

export interface AdminCheckEnv {
  platform: NodeJS.Platform;
  /** process.geteuid; absent on Windows. */
  geteuid?: () => number;
  probe?: Probe;
}

/** Undefined when allowed; otherwise what to tell the user. */
export function adminProblem(env: AdminCheckEnv, what: string): string | undefined {
  if (env.platform === "win32") {
    return isWindowsAdmin(env.probe ?? spawnProbe)
      ? undefined
      : `${what} needs an elevated Administrator prompt: right-click PowerShell or Command Prompt, "Run as administrator", and run it again (or use --dry-run to see what it would do)`;
  }
  if (env.geteuid === undefined || env.geteuid() === 0) return undefined;
  return `${what} needs root: run it with sudo (or use --dry-run to see what it would do)`;
}

export function isWindowsAdmin(probe: Probe): boolean {
  const ps = probe(WINDOWS_ADMIN_CHECK);
  if (ps.status === 0) {
    const answer = ps.stdout.trim();
    if (answer === "True") return true;
    if (answer === "False") return false;
  }
  // PowerShell missing, blocked by policy, or an answer we cannot read: `net session` needs elevation.
  return probe(WINDOWS_ADMIN_FALLBACK).status === 0;
}
