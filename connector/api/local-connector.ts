/**
 * The on-host part of the contract between the connector and `facet`: where a connector on this
 * host keeps its state by default, and the two files it writes there so that `facet` on the same
 * host needs no flags (connector.url, and admin.token, mode 0600, on first start). The connector
 * writes them (bootstrap.ts, serve.ts); the CLI only reads them (cli/config.ts).
 *
 * Default state: root → /var/lib/facet, otherwise $XDG_STATE_HOME/facet (~/.local/state/facet).
 * FACET_DATABASE overrides for both the connector and the CLI.
 */
import { homedir } from "node:os";
import { join } from "node:path";

export const ADMIN_TOKEN_FILE = "admin.token";
export const URL_FILE = "connector.url";
export const DEFAULT_PORT = 8787;

export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACET_DATABASE) return env.FACET_DATABASE;
  if (process.platform !== "win32" && process.getuid?.() === 0) return "/var/lib/facet/facet.db";
  if (process.platform === "win32") return join(env.ProgramData ?? "C:\\ProgramData", "Facet", "connector", "facet.db");
  return join(env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "facet", "facet.db");
}
