/**
 * Where the CLI finds its connector, first match wins:
 *   1. flags --url/--token/--ca, then FACET_URL/FACET_TOKEN/FACET_CA;
 *   2. a saved context (--context, FACET_CONTEXT, else the current one) from the config file that
 *      `facet login` writes, like `gh auth login` or a kubeconfig;
 *   3. on the connector's own host, the files it writes beside its database (connector.url,
 *      admin.token).
 * A token is only ever sent to the URL it came with: a context's token never goes to a --url
 * that is not the context's.
 *
 * The config file (`$FACET_CONFIG`, else `$XDG_CONFIG_HOME/facet/config.json`, else
 * `~/.config/facet/config.json`) holds tokens: it is written mode 0600 in a 0700 directory, as a new
 * file created exclusively (never through a symlink or into someone else's file) and renamed over
 * the old one.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { ADMIN_TOKEN_FILE, DEFAULT_PORT, URL_FILE, defaultDatabasePath } from "../api/local-connector.ts";
import { UsageError } from "./usage-error.ts";

export interface Connection {
  url: string;
  token: string;
  /** PEM of a CA to trust for this connector. */
  ca?: Buffer;
  /** Where it came from, for messages: "flags", "context prod", "local connector files". */
  source: string;
}

import type { Config, Context } from "./config-schema.ts";
export type { Config };

export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FACET_CONFIG) return env.FACET_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "facet", "config.json");
}

export async function readConfig(path = configPath()): Promise<Config> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { current: null, contexts: {} };
    throw new UsageError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  // zod is loaded only when there is a file to check: it is most of a bare command's start-up.
  const { ConfigSchema } = await import("./config-schema.ts");
  let parsed;
  try {
    parsed = ConfigSchema.safeParse(JSON.parse(text));
  } catch (error) {
    throw new UsageError(`the config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed.success) throw new UsageError(`the config file ${path} is not a facet config: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Writes the config as a fresh 0600 file (exclusive create, then rename over the old one). */
export function writeConfig(config: Config, path = configPath()): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const existing = statOrNull(path);
  if (existing?.isSymbolicLink()) throw new UsageError(`refusing to write the config through a symlink: ${path}`);
  const temp = join(dir, `.config.json.${randomBytes(6).toString("hex")}`);
  writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  try {
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function statOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim() || null;
  } catch {
    return null;
  }
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read the CA file ${path}: ${(error as Error).message}`);
  }
}

export interface ConnectionFlags {
  url?: string;
  token?: string;
  ca?: string;
  context?: string;
}

export async function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const url = flags.url ?? env.FACET_URL;
  const token = flags.token ?? env.FACET_TOKEN;
  const caPath = flags.ca ?? env.FACET_CA;
  const contextName = flags.context ?? env.FACET_CONTEXT;

  let context: (Context & { name: string }) | null = null;
  if (contextName !== undefined || !(url && token)) {
    const config = await readConfig(configPath(env));
    const name = contextName ?? config.current;
    if (name) {
      const found = config.contexts[name];
      if (!found) throw new UsageError(`no context named "${name}" (facet contexts ls lists them; facet login <url> --name ${name} creates it)`);
      context = { ...found, name };
    }
  }

  if (context && (url === undefined || sameOrigin(url, context.url))) {
    return {
      url: url ?? context.url,
      token: token ?? context.token,
      ...(caPath ? { ca: readCa(caPath) } : context.ca ? { ca: readCa(context.ca) } : {}),
      source: `context ${context.name}`,
    };
  }

  const stateDir = dirname(defaultDatabasePath(env));
  const localUrl = readTrimmed(join(stateDir, URL_FILE));
  const finalUrl = url ?? localUrl ?? `http://127.0.0.1:${DEFAULT_PORT}`;
  // The local admin token belongs to the local connector: never sent to another URL.
  const localToken = url === undefined || (localUrl !== null && sameOrigin(url, localUrl)) ? readTrimmed(join(stateDir, ADMIN_TOKEN_FILE)) : null;
  const finalToken = token ?? localToken;
  if (!finalToken) {
    throw new UsageError(
      `no API token for ${finalUrl}: run \`facet login ${finalUrl}\`, pass --token or set FACET_TOKEN (on the connector's host the CLI reads ${join(stateDir, ADMIN_TOKEN_FILE)}; set FACET_DATABASE if the connector uses another database path)`,
    );
  }
  return { url: finalUrl, token: finalToken, ...(caPath ? { ca: readCa(caPath) } : {}), source: token ? "flags" : "local connector files" };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** `7d`, `12h`, `30m`, `45s` → milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d|w)$/i.exec(text.trim());
  if (!m) return null;
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!.toLowerCase() as "s" | "m" | "h" | "d" | "w"];
  return Number(m[1]) * unit * 1000;
}
