/**
 * What a command module needs from the program (program.ts builds it): the global options and a
 * client built from them. Command modules export a `registerXCommands(program, cli)` and import
 * nothing from program.ts, so the program sits above its commands.
 */
import type { FacetClient } from "./client.ts";
import type { ConnectionFlags } from "./config.ts";

export interface Cli {
  globals(): ConnectionFlags;
  /** A client that resolves the connection (config.ts) at its first request. */
  client(): FacetClient;
}
