/**
 * The agent's logger: pino, JSON lines on stderr (stdout is reserved for command output such as
 * `facts --json`), or in a size-rotated file (log-file.ts) where no service manager keeps stderr. Secrets never reach it: key material and tokens are redacted by path as a
 * second line of defence, and the code never passes them in the first place.
 */
import pino, { type Logger } from "pino";
import { RotatingFile, type RotatingFileOptions } from "./log-file.ts";

export type { Logger };

const REDACT = [
  "token", "*.token", "secretKey", "*.secretKey", "seed", "*.seed", "signature", "*.signature",
  "headers.authorization", "*.headers.authorization",
];

export interface LogFileOptions extends RotatingFileOptions {
  path: string;
}

export function createLogger(level: string = process.env.FACET_LOG_LEVEL ?? "info", file?: LogFileOptions): Logger {
  return pino(
    { name: "facet-agent", level, redact: { paths: REDACT, censor: "[redacted]" } },
    file !== undefined ? new RotatingFile(file.path, file) : pino.destination({ fd: 2, sync: true }),
  );
}

/** For tests and library callers that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
