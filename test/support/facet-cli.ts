/** The admin CLI run from source (`connector/cli/main.ts` through tsx) as a child process, as a user runs `facet`. */
import { execFile } from "node:child_process";

const root = new URL("../..", import.meta.url).pathname;

export interface FacetRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Resolves with the exit code (1 when killed) and the output; never rejects on a failing command. */
export function runFacet(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<FacetRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "connector/cli/main.ts", ...args], { cwd: root, env: options.env, timeout: options.timeoutMs ?? 30_000 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ code: error ? (typeof code === "number" ? code : 1) : 0, stdout, stderr });
    });
  });
}
