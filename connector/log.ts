/**
 * JSON logs (pino). Secrets never reach a log line: code logs token *ids*, and the redaction
 * below is a second line of defence for anything that slips into a logged object.
 */
import { pino, type Logger } from "pino";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export function createLogger(level: LogLevel | string = process.env.FACET_LOG_LEVEL ?? "info"): Logger {
  return pino({
    name: "facet-connector",
    level,
    redact: {
      paths: ["token", "*.token", "secret", "*.secret", "authorization", "*.authorization", "headers.authorization", "req.headers.authorization"],
      censor: "[redacted]",
    },
  });
}
