/**
 * The CLI's exit codes (documented in `facet --help` and docs/cli.md):
 *   0  success
 *   1  the connector answered with an error, or could not be reached
 *   2  bad usage: an unknown command or option, a bad value, an unreadable file
 */
import { InvalidArgumentError } from "commander";

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** Bad usage caught by the CLI itself (commander reports its own): exit 2, one line and a hint. */
export class UsageError extends InvalidArgumentError {}
