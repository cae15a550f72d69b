/**
 * The `facet` program: global options, one registrar per command family, and how every failure
 * ends (usage-error.ts has the exit codes):
 *   - bad usage (commander's or ours) → one `error:` line and one `hint:` line, exit 2;
 *   - an error answer from the connector → `error: <code>: <message>`, exit 1;
 *   - no answer at all → the URL and the cause (network-error.ts), exit 1.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { FACET_VERSION } from "../api/version.ts";
import { ApiError, FacetClient } from "./client.ts";
import type { Cli } from "./cli-context.ts";
import { resolveConnection, type ConnectionFlags } from "./config.ts";
import { registerCompletionCommand } from "./completion.ts";
import { registerContextCommands } from "./contexts.ts";
import { registerDeviceCommands } from "./devices.ts";
import { registerEventCommands } from "./events.ts";
import { NetworkError } from "./network-error.ts";
import { note } from "./output.ts";
import { registerPolicyCommands } from "./policies.ts";
import { registerTokenCommands } from "./tokens.ts";
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, UsageError } from "./usage-error.ts";

const EXIT_CODES_HELP = `
Connection (first match wins): --url/--token/--ca, FACET_URL/FACET_TOKEN/FACET_CA, the context
from --context/FACET_CONTEXT or the current one (facet login), then on the connector's host the
connector.url and admin.token files beside its database (FACET_DATABASE).

Exit codes: 0 success; 1 the connector answered with an error or could not be reached; 2 usage
error (unknown command or option, bad value, unreadable file). Colour only on a terminal, never
with NO_COLOR set.`;

/**
 * The `os-catalog` commands build catalogs from feeds (zod schemas, a YAML parser): loading them
 * costs more than the rest of a start-up, so they are loaded only when the words ask for them (or
 * for everything, as completion and help do); otherwise a stand-in lists the command in the help.
 */
function wantsOsCatalog(argv: string[]): boolean {
  return argv.some((a) => a === "os-catalog" || a === "completion" || a === "help");
}

export async function createProgram(argv: string[] = []): Promise<Command> {
  const program = new Command("facet")
    .description("Administer a Facet connector")
    .version(FACET_VERSION, "-V, --version", "print the version")
    .addOption(new Option("--url <url>", "connector URL").env("FACET_URL"))
    .addOption(new Option("--token <token>", "API token (prefer a context: facet login)").env("FACET_TOKEN"))
    .addOption(new Option("--ca <file>", "PEM CA certificate to trust for an https connector").env("FACET_CA"))
    .addOption(new Option("--context <name>", "a saved context (facet contexts ls)").env("FACET_CONTEXT"))
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError()
    .exitOverride()
    // Commander's own error text, and the help it prints on a missing command, are replaced by
    // ours: one line plus a hint (run()). --help still prints to stdout.
    .configureOutput({ outputError: () => undefined, writeErr: () => undefined });

  const globals = () => program.opts<ConnectionFlags>();
  const cli: Cli = {
    globals,
    client: () =>
      new FacetClient(async () => {
        const connection = await resolveConnection(globals());
        return { url: connection.url, token: connection.token, ...(connection.ca ? { ca: connection.ca } : {}) };
      }),
  };
  registerDeviceCommands(program, cli);
  registerTokenCommands(program, cli);
  registerEventCommands(program, cli);
  registerPolicyCommands(program, cli);
  if (wantsOsCatalog(argv)) (await import("./os-catalog.ts")).registerOsCatalogCommands(program, cli.client);
  else program.command("os-catalog").description("the OS release catalog behind dynamic OS version requirements: show, update, build, import");
  registerContextCommands(program, cli);
  registerCompletionCommand(program);
  return program;
}

/** The deepest command the words name (`devices ls --bogus` → devices ls), for the hint. */
export function commandPath(program: Command, argv: string[]): Command[] {
  const path: Command[] = [program];
  for (const word of argv) {
    if (word.startsWith("-")) continue;
    const next = path.at(-1)!.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) break;
    path.push(next);
  }
  return path;
}

const words = (path: Command[]) => path.map((c) => c.name()).join(" ");

/** Runs the program on argv (without node and the script) and returns the exit code. */
export async function run(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: "user" });
    // A command that finished but failed in part (os-catalog update with a source down) set its own status.
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, having printed what was asked.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT_OK;
      const path = commandPath(program, argv);
      const here = path.at(-1)!;
      if (error.code === "commander.help" || error.code === "commander.executeSubCommandAsync") {
        note(`error: ${words(path)} needs a command: ${here.commands.map((c) => c.name()).join(", ")}`);
      } else {
        note(error.message.split("\n").filter(Boolean).map((l) => l.replace(/^error: /, "")).reduce((a, l) => `${a} ${l}`, "error:"));
      }
      note(`hint: ${words(path)} --help`, "dim");
      return EXIT_USAGE;
    }
    return reportError(error, program, argv);
  }
}

function reportError(error: unknown, program: Command, argv: string[]): number {
  // Any InvalidArgumentError: commander's own argument parsers throw that kind too.
  if (error instanceof UsageError || error instanceof InvalidArgumentError) {
    note(`error: ${error.message}`);
    note(`hint: ${words(commandPath(program, argv))} --help`, "dim");
    return EXIT_USAGE;
  }
  if (error instanceof ApiError) {
    note(`error: ${error.code}: ${error.message}`);
    if (error.status === 401) note("hint: the token is unknown or revoked: facet login <url> saves a new one", "dim");
    return EXIT_ERROR;
  }
  if (error instanceof NetworkError) {
    note(`error: ${error.message}`);
    return EXIT_ERROR;
  }
  note(`error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT_ERROR;
}
