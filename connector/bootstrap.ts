/**
 * First start: create an admin API token and write it, mode 0600, to `<database dir>/admin.token`
 * so the `facet` CLI on the same host finds it. The log says where it is, never what it is.
 * Also writes `<database dir>/connector.url` (not secret) so the CLI knows the port.
 */
import { existsSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Store } from "./store/types.ts";
import { issueApiToken } from "./tokens/issue.ts";

export const ADMIN_TOKEN_FILE = "admin.token";
export const URL_FILE = "connector.url";
const BOOTSTRAP_SETTING = "bootstrap.admin_token_id";

export async function ensureAdminToken(store: Store, stateDir: string, now: number, log: Logger): Promise<{ created: boolean; path: string }> {
  const path = join(stateDir, ADMIN_TOKEN_FILE);
  const existing = await store.getSetting<string>(BOOTSTRAP_SETTING);
  if (existing !== null) {
    if (!existsSync(path)) {
      log.warn({ path, tokenId: existing }, "the bootstrap admin token file is gone; create a new admin token with `facet tokens create --api --scope admin` using another admin token");
    }
    return { created: false, path };
  }
  const { token, secret } = await issueApiToken(store, { name: "bootstrap admin", scopes: ["admin"] }, now);
  // flag "wx": never overwrite a file someone else put there.
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: existsSync(path) ? "w" : "wx" });
  chmodSync(path, 0o600);
  await store.putSetting(BOOTSTRAP_SETTING, token.id);
  await store.recordEvent({ type: "token.created", at: now, deviceId: null, data: { kind: "api", id: token.id, scopes: token.scopes, by: "bootstrap" } });
  log.info({ path, tokenId: token.id }, "created the admin API token");
  return { created: true, path };
}

export function writeUrlFile(stateDir: string, url: string): void {
  writeFileSync(join(stateDir, URL_FILE), `${url}\n`, { mode: 0o644 });
}
