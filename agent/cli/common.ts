/**
 * What every `facet-agent` command shares: the state-dir and log-level options, and how an
 * expected failure is reported (one clear line, an exit code, no stack trace).
 */
import { Command, Option } from "commander";
import { AgentError } from "../errors.ts";
import { resolveStateDir } from "../identity/state-dir.ts";
import { createLogger, type Logger } from "../log.ts";

export interface CommonOptions {
  stateDir?: string;
  logLevel?: string;
}

export function withCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--state-dir <dir>", "where the key and state live (default: per OS; env FACET_STATE_DIR)"))
    .addOption(
      new Option("--log-level <level>", "log level for stderr").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).env("FACET_LOG_LEVEL"),
    );
}

export function stateDirFrom(opts: CommonOptions): string {
  return resolveStateDir(opts.stateDir);
}

export function loggerFrom(opts: CommonOptions, fallback = "info"): Logger {
  return createLogger(opts.logLevel ?? fallback);
}

/** Prints an expected error as one line and exits; lets unexpected errors keep their stack. */
export function reportAndExit(err: unknown): never {
  if (err instanceof AgentError) {
    process.stderr.write(`facet-agent: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`facet-agent: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(70); // EX_SOFTWARE
}

/** Wraps a command action so expected errors end the process cleanly. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportAndExit(err);
    }
  };
}
