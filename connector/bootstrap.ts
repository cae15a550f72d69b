/**
 * First start: create an admin API token and write it, mode 0600, to `<database dir>/admin.token`
 * so the `facet` CLI on the same host finds it. The log says where it is, never what it is.
 * Also writes `<database dir>/connector.url` (not secret) so the CLI knows the port.
 */
import { closeSync, existsSync, fchmodSync, lstatSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Store } from "./store/types.ts";
import { StartupError } from "./startup-errors.ts";
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
  // Checked before a token exists, so a refusal leaves nothing behind in the database.
  clearStaleTokenFile(path);
  const { token, secret } = await issueApiToken(store, { name: "bootstrap admin", scopes: ["admin"] }, now);
  writeSecretExclusively(path, `${secret}\n`);
  await store.putSetting(BOOTSTRAP_SETTING, token.id);
  await store.recordEvent({ type: "token.created", at: now, deviceId: null, data: { kind: "api", id: token.id, scopes: token.scopes, by: "bootstrap" } });
  log.info({ path, tokenId: token.id }, "created the admin API token");
  return { created: true, path };
}

/**
 * Whatever is at `path` before the first start was not written by this installation: a symlink
 * or another user's file would hand the admin token to whoever planted it, so both are refused.
 * Our own regular file (left by an earlier, deleted database) is removed and written afresh.
 */
function clearStaleTokenFile(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new StartupError("state", `cannot check ${path}: ${(error as Error).message}`);
  }
  if (stat.isSymbolicLink()) throw new StartupError("state", `refusing to write the admin token: ${path} is a symlink; remove it and start again`);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new StartupError("state", `refusing to write the admin token: ${path} is owned by uid ${stat.uid}, not this user (uid ${uid}); remove it and start again`);
  }
  if (!stat.isFile()) throw new StartupError("state", `refusing to write the admin token: ${path} is not a regular file`);
  unlinkSync(path);
}

/** O_CREAT | O_EXCL: fails on anything already there, a dangling symlink included, and never follows one. */
function writeSecretExclusively(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "EEXIST" ? "something else created it meanwhile" : (error as Error).message;
    throw new StartupError("state", `refusing to write the admin token to ${path}: ${why}`);
  }
  try {
    // The umask may have narrowed the mode further but never widened it; make it exact.
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Written beside and renamed over: a symlink planted at the name is replaced, never followed. */
export function writeUrlFile(stateDir: string, url: string): void {
  const path = join(stateDir, URL_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  writeFileSync(temp, `${url}\n`, { mode: 0o644, flag: "wx" });
  renameSync(temp, path);
}
