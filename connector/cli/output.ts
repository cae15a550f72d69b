/**
 * Everything the CLI writes goes through here: human text is made terminal-safe
 * (terminal-safe.ts), colour is used only on a terminal and never with NO_COLOR
 * (https://no-color.org) or TERM=dumb, and a reader that closes the pipe early
 * (`facet devices ls --json | head -1`) ends the program quietly instead of with an EPIPE trace.
 */
import { safeForTerminal } from "./terminal-safe.ts";

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

const SGR = { bold: "1", dim: "2", red: "31", green: "32", yellow: "33" } as const;
export type Style = keyof typeof SGR;

const stdoutColour = colourWanted(process.stdout);
const stderrColour = colourWanted(process.stderr);

/** Styles text for stdout when colour is wanted there; plain otherwise. */
export function style(text: string, ...styles: Style[]): string {
  if (!stdoutColour || styles.length === 0 || text === "") return text;
  return `\u001b[${styles.map((s) => SGR[s]).join(";")}m${text}\u001b[0m`;
}

/** Human-readable text for stdout. */
export function print(text: string): void {
  process.stdout.write(`${safeForTerminal(text)}\n`);
}

/** JSON for scripts: escaped by JSON itself (control characters become \u00XX), never coloured. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A line for stderr: errors, hints, "more…" notes. Never part of what a script parses. */
export function note(text: string, ...styles: Style[]): void {
  const safe = safeForTerminal(text);
  process.stderr.write(`${stderrColour && styles.length ? `\u001b[${styles.map((s) => SGR[s]).join(";")}m${safe}\u001b[0m` : safe}\n`);
}

/**
 * A closed stdout is the reader's choice, not a failure: exit 0 at once (nothing more can be
 * delivered). Any other stream error is reported and exits 1.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      process.exit(1);
    });
  }
}

