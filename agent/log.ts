/**
 * The agent's logger: pino, JSON lines on stderr (stdout is reserved for command output such as
 * `facts --json`). Secrets never reach it: key material and tokens are redacted by path as a
 * second line of defence, and the code never passes them in the first place.
 */
import pino, { type Logger } from "pino";

export type { Logger };

const REDACT = [
  "token", "*.token", "secretKey", "*.secretKey", "seed", "*.seed", "signature", "*.signature",
  "headers.authorization", "*.headers.authorization",
];

export function createLogger(level: string = process.env.FACET_LOG_LEVEL ?? "info"): Logger {
  return pino(
    { name: "facet-agent", level, redact: { paths: REDACT, censor: "[redacted]" } },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** For tests and library callers that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
