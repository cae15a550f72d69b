/**
 * First start: create an admin API token and write it, mode 0600, to `<database dir>/admin.token`
 * so the `facet` CLI on the same host finds it. The log says where it is, never what it is.
 * Also writes `<database dir>/connector.url` (not secret) so the CLI knows the port.
 *
 * `facet-connector reset-admin-token` (resetAdminToken) replaces that token when its file is lost
 * or leaked: the one way back in without another admin token, for whoever can open the database.
 */
import { closeSync, existsSync, fchmodSync, lstatSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Store } from "./store/types.ts";
import { StartupError } from "./startup-errors.ts";
import { issueApiToken } from "./tokens/issue.ts";
import { ADMIN_TOKEN_FILE, URL_FILE } from "./api/local-connector.ts";

const BOOTSTRAP_SETTING = "bootstrap.admin_token_id";

export async function ensureAdminToken(store: Store, stateDir: string, now: number, log: Logger): Promise<{ created: boolean; path: string }> {
  const path = join(stateDir, ADMIN_TOKEN_FILE);
  const existing = await store.getSetting<string>(BOOTSTRAP_SETTING);
  if (existing !== null) {
    if (!existsSync(path)) {
      log.warn({ path, tokenId: existing }, "the bootstrap admin token file is gone; `facet-connector reset-admin-token` with this connector's --database revokes that token and writes a new one (docs/operations.md)");
    }
    return { created: false, path };
  }
  // Checked before a token exists, so a refusal leaves nothing behind in the database.
  clearStaleTokenFile(path);
  const tokenId = await writeAdminToken(store, path, now, "bootstrap");
  log.info({ path, tokenId }, "created the admin API token");
  return { created: true, path };
}

export interface AdminTokenReset {
  path: string;
  tokenId: string;
  /** The bootstrap token revoked, or null when there was none (or it was revoked already). */
  revoked: string | null;
}

/**
 * Revokes the bootstrap admin token and writes a new one to `<stateDir>/admin.token`, with the
 * same care as the first start. Needs only the database, so it works with the connector stopped;
 * a running one stops accepting the old token within its token cache's lifetime (tokens/api-token-cache.ts).
 */
export async function resetAdminToken(store: Store, stateDir: string, now: number): Promise<AdminTokenReset> {
  const path = join(stateDir, ADMIN_TOKEN_FILE);
  clearStaleTokenFile(path);
  const previous = await store.getSetting<string>(BOOTSTRAP_SETTING);
  const tokenId = await writeAdminToken(store, path, now, "reset-admin-token");
  let revoked: string | null = null;
  if (previous !== null && (await store.revokeApiToken(previous, now))) {
    revoked = previous;
    await store.recordEvent({ type: "token.revoked", at: now, deviceId: null, data: { kind: "api", id: previous, by: "reset-admin-token" } });
  }
  return { path, tokenId, revoked };
}

/** Issues an admin token, writes its secret to `path` (0600, exclusively) and makes it the bootstrap token. */
async function writeAdminToken(store: Store, path: string, now: number, by: string): Promise<string> {
  const { token, secret } = await issueApiToken(store, { name: "bootstrap admin", scopes: ["admin"] }, now);
  writeSecretExclusively(path, `${secret}\n`);
  await store.putSetting(BOOTSTRAP_SETTING, token.id);
  await store.recordEvent({ type: "token.created", at: now, deviceId: null, data: { kind: "api", id: token.id, scopes: token.scopes, by } });
  return token.id;
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
