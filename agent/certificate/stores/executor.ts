/**
 * Runs a store plan's commands for a long-lived agent: asynchronously (the session's heartbeat
 * keeps ticking), bounded in time and output, with stdin closed so a tool that wants to prompt
 * (a Firefox profile with a primary password) fails instead of hanging, and the tool's own
 * complaint kept as the error.
 */
import { execFile } from "node:child_process";
import type { Executor } from "../../service/plan.ts";

const MAX_REASON = 300;

export function capturingExecutor(timeoutMs = 30_000): Executor {
  return {
    run(argv) {
      const [cmd, ...args] = argv;
      return new Promise<void>((resolve, reject) => {
        const child = execFile(cmd!, args, { timeout: timeoutMs, maxBuffer: 256 * 1024, windowsHide: true }, (error, stdout, stderr) => {
          if (!error) return resolve();
          // Never error.message: it repeats the command line, which on macOS holds the import password.
          const status = error.killed ? `timed out after ${timeoutMs} ms` : `exit status ${String(error.code)}`;
          const said = `${stderr}`.trim() || `${stdout}`.trim() || status;
          reject(new Error(said.replace(/\s+/g, " ").slice(0, MAX_REASON)));
        });
        child.stdin?.end();
      });
    },
  };
}
