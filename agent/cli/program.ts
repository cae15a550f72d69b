/** The `facet-agent` program shell; commands are added in main.ts, one line each. */
import { Command } from "commander";
import { AGENT_VERSION } from "../version.ts";
import { reportAndExit } from "./common.ts";

export function createProgram(): Command {
  return new Command("facet-agent")
    .description("Facet device agent: collects this device's facts and reports them, signed, to a Facet connector")
    .version(AGENT_VERSION)
    .showHelpAfterError()
    .showSuggestionAfterError();
}

export async function execute(program: Command, argv: string[] = process.argv): Promise<void> {
  // `facet-agent facts --json | head` closes stdout early; that is the reader's choice, not a crash.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    reportAndExit(err);
  }
}
