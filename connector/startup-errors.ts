/**
 * Why `facet-connector serve` could not start, as one line and an exit code (docs/deploy.md §
 * Exit codes), instead of a stack trace: the admin reading a journal or a terminal needs the cause
 * and the file, and a supervisor can tell "fix the configuration" from "retry later".
 */
export const EXIT_CODES = {
  /** Anything not recognised below (the message still says what). */
  unknown: 1,
  /** Invalid flags or environment. */
  usage: 2,
  /** The port is in use or may not be bound. */
  listen: 10,
  /** Another connector already serves this SQLite database. */
  locked: 11,
  /** The database cannot be used: directory missing, read-only, not a Facet database. */
  database: 12,
  /** PostgreSQL cannot be reached or refuses the connection. */
  postgres: 13,
  /** The TLS certificate or key cannot be read or used. */
  tls: 14,
  /** A state file (admin.token, connector.url) cannot be created safely. */
  state: 15,
} as const;

export type StartupFailure = keyof typeof EXIT_CODES;

export class StartupError extends Error {
  constructor(
    readonly kind: StartupFailure,
    message: string,
  ) {
    // One line whatever the cause carried.
    super(message.replace(/\s*\n\s*/g, " "));
    this.name = "StartupError";
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}
