#!/usr/bin/env -S npx tsx
/**
 * `facet`: the admin CLI, a thin client of the connector's REST API (./client.ts). Tables for
 * people, `--json` for scripts; exit 0 ok, 1 an error from (or no answer from) the connector,
 * 2 bad usage (program.ts).
 */
import { exitQuietlyOnClosedPipe } from "./output.ts";
import { createProgram, run } from "./program.ts";

exitQuietlyOnClosedPipe();
const argv = process.argv.slice(2);
const code = await run(await createProgram(argv), argv);
// Let stdout drain (a pipe may still hold a large --json) before the exit code is set.
process.exitCode = code;
