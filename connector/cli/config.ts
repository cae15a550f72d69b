/**
 * Where the CLI finds its connector: flags, then FACET_URL / FACET_TOKEN, then the files the
 * connector writes beside its database on this host (connector.url, admin.token).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ADMIN_TOKEN_FILE, URL_FILE } from "../bootstrap.ts";
import { DEFAULT_PORT, defaultDatabasePath } from "../paths.ts";

export interface Connection {
  url: string;
  token: string;
}

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim() || null;
  } catch {
    return null;
  }
}

export function resolveConnection(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const stateDir = dirname(defaultDatabasePath(env));
  const url = flags.url ?? env.FACET_URL ?? readTrimmed(join(stateDir, URL_FILE)) ?? `http://127.0.0.1:${DEFAULT_PORT}`;
  const token = flags.token ?? env.FACET_TOKEN ?? readTrimmed(join(stateDir, ADMIN_TOKEN_FILE));
  if (!token) {
    throw new Error(
      `no API token: pass --token or set FACET_TOKEN (on the connector's host the CLI reads ${join(stateDir, ADMIN_TOKEN_FILE)}; set FACET_DATABASE if the connector uses another database path)`,
    );
  }
  return { url, token };
}

/** `7d`, `12h`, `30m`, `45s` → milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d|w)$/i.exec(text.trim());
  if (!m) return null;
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]!.toLowerCase() as "s" | "m" | "h" | "d" | "w"];
  return Number(m[1]) * unit * 1000;
}
