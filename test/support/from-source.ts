/**
 * Facet's commands run from source (their main.ts through tsx) as child processes, as a user runs
 * them: the exit code and the output, never a throw for a failing command.
 */
import { execFile } from "node:child_process";

const root = new URL("../..", import.meta.url).pathname;
const ENTRIES = { facet: "connector/cli/main.ts", "facet-agent": "agent/cli/main.ts", "facet-connector": "connector/main.ts" } as const;

export interface SourceRun {
  /** The exit code; 1 when the process was killed. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface SourceRunOptions {
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  killSignal?: NodeJS.Signals;
  /** A command to run it under, e.g. setpriv to drop privileges. */
  wrapper?: string[];
}

export function runFromSource(command: keyof typeof ENTRIES, args: string[], options: SourceRunOptions = {}): Promise<SourceRun> {
  const [file, ...argv] = [...(options.wrapper ?? []), process.execPath, "--import", "tsx", `${root}${ENTRIES[command]}`, ...args];
  return new Promise((resolve) => {
    execFile(file!, argv, { cwd: root, env: options.env, timeout: options.timeoutMs ?? 30_000, killSignal: options.killSignal ?? "SIGTERM" }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ code: error ? (typeof code === "number" ? code : 1) : 0, stdout, stderr });
    });
  });
}

/** The admin CLI, `facet`. */
export const runFacet = (args: string[], options?: SourceRunOptions): Promise<SourceRun> => runFromSource("facet", args, options);
