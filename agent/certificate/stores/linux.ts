/**
 * Linux: the console user's NSS databases, where Chrome/Chromium (`~/.pki/nssdb`) and each
 * Firefox profile (`cert9.db` beside `prefs.js`) look for client certificates. NSS keeps keys in a
 * file-backed soft token, so the key trust level is `software`.
 *
 * The agent runs as root, but every NSS command runs as the user (setpriv drops to their uid/gid
 * with a clean environment): the files it creates in the home directory belong to the user, and a
 * symlink planted in that home can only lead the tools where the user could write anyway.
 * Tools are called by absolute path (Debian's libnss3-tools and util-linux), never through PATH.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Step } from "../../service/plan.ts";
import { CERT_NICKNAME, type ConsoleUser, type ImportFiles, type StoreTarget } from "./types.ts";

export const LINUX_TOOLS = {
  certutil: "/usr/bin/certutil",
  pk12util: "/usr/bin/pk12util",
  setpriv: "/usr/bin/setpriv",
  mkdir: "/usr/bin/mkdir",
  getent: "/usr/bin/getent",
} as const;

/** An NSS database directory and whether it must be created first. */
export interface NssDatabase {
  label: string;
  dir: string;
  exists: boolean;
}

/** Firefox profile roots: the Debian/Mozilla package, and the snap Ubuntu ships. */
const FIREFOX_ROOTS = [".mozilla/firefox", "snap/firefox/common/.mozilla/firefox"];
/** More profiles than this in one home is not a browser; stop rather than walk it all. */
const MAX_PROFILES = 32;

/**
 * Chrome's shared database (created when missing: a browser started later finds the certificate
 * there) and every existing Firefox profile database (never created: a directory that merely looks
 * like a profile is left alone).
 */
export function findNssDatabases(home: string): NssDatabase[] {
  const chrome = path.join(home, ".pki", "nssdb");
  const found: NssDatabase[] = [{ label: "nss:chrome", dir: chrome, exists: existsSync(path.join(chrome, "cert9.db")) }];
  for (const root of FIREFOX_ROOTS) {
    const dir = path.join(home, root);
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of entries) {
      if (found.length > MAX_PROFILES) break;
      const profile = path.join(dir, name);
      if (isFile(path.join(profile, "cert9.db"))) found.push({ label: `nss:firefox:${name}`, dir: profile, exists: true });
    }
  }
  return found;
}

/** `argv` run as the user: directly when the agent already is that user, else through setpriv. */
export function asUser(user: Pick<ConsoleUser, "uid" | "gid">, argv: string[], selfUid: number): string[] {
  if (user.uid === selfUid) return argv;
  // --reset-env: HOME, USER, PATH from the user's entry, nothing of root's environment leaks in.
  return [LINUX_TOOLS.setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--reset-env", "--", ...argv];
}

/**
 * Replace the Facet certificate in one database: create the database if it is Chrome's and
 * missing, delete the previous key and certificate under the stable nickname (absent on a first
 * install, hence allowed to fail), then import the new PKCS#12. pk12util reads the one-time
 * password from a file (`-w`), so it never appears on a command line.
 */
export function nssInstallSteps(db: NssDatabase, files: ImportFiles, user: ConsoleUser, selfUid: number): Step[] {
  const run = (argv: string[], allowFailure?: boolean): Step => ({ kind: "run", argv: asUser(user, argv, selfUid), ...(allowFailure ? { allowFailure } : {}) });
  const sql = `sql:${db.dir}`;
  const steps: Step[] = [];
  if (!db.exists) {
    steps.push(run([LINUX_TOOLS.mkdir, "-p", "-m", "0700", db.dir]), run([LINUX_TOOLS.certutil, "-N", "-d", sql, "--empty-password"]));
  }
  steps.push(
    run([LINUX_TOOLS.certutil, "-F", "-d", sql, "-n", CERT_NICKNAME], true),
    run([LINUX_TOOLS.certutil, "-D", "-d", sql, "-n", CERT_NICKNAME], true),
    run([LINUX_TOOLS.pk12util, "-i", files.pkcs12, "-d", sql, "-w", files.passwordFile]),
  );
  return steps;
}

export function linuxTargets(user: ConsoleUser, files: ImportFiles, selfUid: number, databases: NssDatabase[] = findNssDatabases(user.home)): StoreTarget[] {
  return databases.map((db) => ({ label: db.label, steps: nssInstallSteps(db, files, user, selfUid) }));
}

/** One `getent passwd` line: `name:x:uid:gid:gecos:home:shell`. */
export function parsePasswdEntry(line: string): ConsoleUser | undefined {
  const cols = line.trim().split(":");
  if (cols.length < 7) return undefined;
  const uid = Number(cols[2]);
  const gid = Number(cols[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid < 0 || gid < 0) return undefined;
  if (!cols[0] || !cols[5]?.startsWith("/")) return undefined;
  return { name: cols[0], uid, gid, home: cols[5] };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
