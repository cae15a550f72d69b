/**
 * Where the agent keeps its key, state and unacknowledged snapshot. One directory per machine
 * when the agent runs as a service (root / SYSTEM), one per user otherwise, so a developer can run
 * `facet-agent facts`/`enroll` unprivileged without touching system paths.
 *
 * Precedence: `--state-dir` flag, then `FACET_STATE_DIR`, then the OS default.
 */
import os from "node:os";
import path from "node:path";
import { ensureDirectory } from "../ensure-dir.ts";

export interface StateDirContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** True for root on POSIX; ignored on Windows where the ProgramData path is used either way. */
  isRoot: boolean;
  homedir: string;
}

export function currentContext(): StateDirContext {
  return {
    platform: process.platform,
    env: process.env,
    isRoot: typeof process.getuid === "function" && process.getuid() === 0,
    homedir: os.homedir(),
  };
}

/** The OS default, as a pure function of the context so every platform is testable here. */
export function defaultStateDir(ctx: StateDirContext): string {
  switch (ctx.platform) {
    case "darwin":
      return ctx.isRoot
        ? "/Library/Application Support/Facet"
        : path.posix.join(ctx.homedir, "Library", "Application Support", "Facet");
    case "win32":
      // The agent on Windows runs as a LocalSystem service; ProgramData is its machine-wide home.
      return path.win32.join(ctx.env.ProgramData ?? ctx.env.PROGRAMDATA ?? "C:\\ProgramData", "Facet");
    default: {
      if (ctx.isRoot) return "/var/lib/facet-agent";
      const xdg = ctx.env.XDG_STATE_HOME;
      // The XDG spec says relative values are invalid and must be ignored.
      const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(ctx.homedir, ".local", "state");
      return path.posix.join(base, "facet-agent");
    }
  }
}

export function resolveStateDir(flag?: string, ctx: StateDirContext = currentContext()): string {
  const chosen = flag ?? ctx.env.FACET_STATE_DIR;
  if (chosen !== undefined && chosen !== "") return path.resolve(chosen);
  return defaultStateDir(ctx);
}

/**
 * Creates the directory owner-only (0700) if missing; an existing directory is left as it is.
 * One that cannot be used throws `state_dir_unusable` naming the path and the cause.
 */
export function ensureStateDir(dir: string): void {
  ensureDirectory(dir, { what: "the state directory", code: "state_dir_unusable", mustBeWritable: true });
}

/** File names inside the state directory. */
export const STATE_FILES = {
  key: "device.key",
  state: "state.json",
  pending: "pending-snapshot.json",
} as const;

export function statePaths(dir: string): { key: string; state: string; pending: string } {
  return {
    key: path.join(dir, STATE_FILES.key),
    state: path.join(dir, STATE_FILES.state),
    pending: path.join(dir, STATE_FILES.pending),
  };
}
