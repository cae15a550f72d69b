/**
 * What every probe shares: the `Probe<T>` result (a value, or a reason it is unknown), the context
 * probes run in (runner, the run's PowerShell session, bounded file reads), and `Unknowns`, which
 * turns failed probes into `null` plus a reason keyed by fact path.
 */
import { readFile, stat } from "node:fs/promises";
import os from "node:os";
import { runProgram, type RunOptions, type RunResult } from "./runner/run.ts";
import { ShellSession, powershellDialect } from "./runner/session.ts";
import { joinFactPath } from "../../shared/facts/paths.ts";

export type Probe<T> = { ok: true; value: T } | { ok: false; reason: string };

export const known = <T>(value: T): Probe<T> => ({ ok: true, value });
export const unknown = <T = never>(reason: string): Probe<T> => ({ ok: false, reason });

/** Collects reasons for the facts a collector could not determine. */
export class Unknowns {
  readonly map: Record<string, string> = {};
  /** The probe's value, or `null` with its reason recorded under `path`. */
  take<T>(path: string, probe: Probe<T>): T | null {
    if (probe.ok) return probe.value;
    this.map[path] = probe.reason;
    return null;
  }
  set(path: string, reason: string): null {
    this.map[path] = reason;
    return null;
  }
  /** Reasons from a nested collector, re-keyed under `prefix`. */
  merge(prefix: string, other: Record<string, string>): void {
    for (const [key, reason] of Object.entries(other)) this.map[joinFactPath(prefix, key)] = reason;
  }
}


/** Settles `promise` into a Probe within `ms`; for library calls (systeminformation) that have no timeout of their own. */
export async function within<T>(label: string, ms: number, promise: Promise<T>): Promise<Probe<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Probe<T>>((resolve) => {
    timer = setTimeout(() => resolve(unknown(`${label}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise.then(known, (error: unknown) => unknown<T>(`${label}: ${errorMessage(error)}`)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A command's stdout, or the reason it failed. */
export function stdoutOf(result: RunResult): Probe<string> {
  return result.ok ? known(result.stdout) : unknown(result.reason);
}

export interface ProbeContext {
  platform: NodeJS.Platform;
  /**
   * Whether the agent runs as root; several POSIX facts need it. Unknown on Windows, where no
   * probe depends on it and the process's token is not inspected.
   */
  elevated: Probe<boolean>;
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Runs a script in the run's one PowerShell session (Windows). */
  powershell(script: string, timeoutMs?: number): Promise<RunResult>;
  /** Reads a text file, bounded; the reason names the path and the error code. */
  readText(path: string, maxBytes?: number): Promise<Probe<string>>;
  exists(path: string): Promise<boolean>;
  now(): Date;
  /** Ends the PowerShell session, if one was started. */
  close(): void;
  /**
   * How long a probe whose answer can be slow (the apt/dnf simulation) may hold up this run. The
   * long-lived agent keeps it short and reports a late answer next run; a one-shot run has no next
   * run, so it waits longer. Default 1 s.
   */
  slowAnswerWaitMs?: number;
}

export interface ContextOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  now?: () => Date;
  slowAnswerWaitMs?: number;
}

export function createContext(options: ContextOptions = {}): ProbeContext {
  const platform = options.platform ?? process.platform;
  const timeoutMs = options.timeoutMs ?? 5000;
  let session: ShellSession | null = null;
  return {
    platform,
    elevated: platform === "win32" ? unknown("not probed on Windows: no Windows probe depends on it") : known(process.getuid?.() === 0),
    run: (argv, runOptions) => runProgram(argv, { timeoutMs, env: options.env, ...runOptions }),
    powershell: (script, ms) => {
      session ??= new ShellSession(powershellDialect);
      return session.run(script, ms ?? timeoutMs * 2);
    },
    readText: (path, maxBytes = 4 * 1024 * 1024) => readTextBounded(path, maxBytes),
    exists: (path) => stat(path).then(() => true, () => false),
    now: options.now ?? (() => new Date()),
    close: () => session?.close(),
    ...(options.slowAnswerWaitMs !== undefined ? { slowAnswerWaitMs: options.slowAnswerWaitMs } : {}),
  };
}

async function readTextBounded(path: string, maxBytes: number): Promise<Probe<string>> {
  try {
    const info = await stat(path);
    if (info.size > maxBytes) return unknown(`${path}: larger than ${maxBytes} bytes`);
    return known(await readFile(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return unknown(`${path}: no such file`);
    if (code === "EACCES") return unknown(`${path}: permission denied (needs root)`);
    return unknown(`${path}: ${errorMessage(error)}`);
  }
}

/** Go-style architecture names, as authentik's agent reports them (`amd64`, `arm64`). */
export function goArch(arch: string = os.arch()): string {
  return ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" } as Record<string, string>)[arch] ?? arch;
}

/** True only when the agent is known to run as root. */
export function runsAsRoot(ctx: Pick<ProbeContext, "elevated">): boolean {
  return ctx.elevated.ok && ctx.elevated.value;
}
