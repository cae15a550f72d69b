/**
 * Puts the device certificate where the console user's browsers look for client certificates:
 * the NSS databases on Linux, the login keychain on macOS, CurrentUser\My on Windows (one plan
 * builder per OS in stores/). Each install replaces the previous Facet certificate.
 *
 * It never throws: whatever fails (no console user, a store that refuses the import) is logged
 * and written into the install record, which the next snapshot reports as facts
 * (certificate/facts.ts), so an admin sees a device whose browsers cannot prove it.
 *
 * @example
 *   const installer = browserStoreInstaller({ stateDir, log });
 *   const record = await installer.install(certPem, keyPem); // record.stores: ["nss:chrome", …]
 */
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import { z } from "zod";
import { writeFileAtomic } from "../identity/atomic-write.ts";
import { consoleUsername } from "../identity/console-user.ts";
import type { Logger } from "../log.ts";
import { executePlan, type Executor } from "../service/plan.ts";
import { buildPkcs12, oneTimePassword } from "./pkcs12.ts";
import { darwinTargets } from "./stores/darwin.ts";
import { capturingExecutor } from "./stores/executor.ts";
import { withImportFiles } from "./stores/import-files.ts";
import { LINUX_TOOLS, linuxTargets, parsePasswdEntry, type NssDatabase } from "./stores/linux.ts";
import { CERT_NICKNAME, type ConsoleUser, type ImportFiles, type KeyTrustLevel, type StoreTarget } from "./stores/types.ts";
import { windowsTargets } from "./stores/windows.ts";

export const INSTALL_RECORD_FILE = "device-cert-install.json";

const MAX_STORES = 32;
const reason = z.string().max(1024);

/** What the last install did; read back for the facts, so it is validated like any input. */
export const InstallRecordSchema = z.strictObject({
  installedAt: z.iso.datetime({ offset: true }),
  notAfter: z.iso.datetime({ offset: true }).nullable(),
  sha1: z.string().regex(/^[0-9a-f]{40}$/).nullable(),
  /** null when the certificate is in no store: then `reason` says why. */
  keyTrustLevel: z.enum(["software", "os_keystore", "hardware"]).nullable(),
  stores: z.array(z.string().max(256)).max(MAX_STORES),
  failures: z.record(z.string().max(256), reason),
  reason: reason.optional(),
});
export type InstallRecord = z.infer<typeof InstallRecordSchema>;

export interface BrowserStoreOptions {
  stateDir: string;
  log: Logger;
  platform?: NodeJS.Platform;
  /** Who the browsers belong to; by default the console user (agent/identity/console-user.ts). */
  resolveUser?: () => Promise<ConsoleUser | undefined>;
  executor?: Executor;
  /** macOS identity preferences: the hosts users sign in at (agent config `signInHosts`). */
  signInHosts?: string[];
  /** Linux: the NSS databases to install into instead of those found in the user's home. */
  nssDatabases?: (user: ConsoleUser) => NssDatabase[];
  now?: () => Date;
}

export interface CertificateStoreInstaller {
  install(certPem: string, keyPem: string): Promise<InstallRecord>;
}

export function browserStoreInstaller(options: BrowserStoreOptions): CertificateStoreInstaller {
  const platform = options.platform ?? process.platform;
  const executor = options.executor ?? capturingExecutor();
  const resolveUser = options.resolveUser ?? (() => defaultConsoleUser(platform));
  const now = options.now ?? (() => new Date());
  const recordPath = path.join(options.stateDir, INSTALL_RECORD_FILE);

  return {
    async install(certPem, keyPem) {
      const previous = readInstallRecord(options.stateDir);
      let record: InstallRecord;
      try {
        record = await installEverywhere(certPem, keyPem, previous);
      } catch (err) {
        record = { installedAt: now().toISOString(), notAfter: null, sha1: null, keyTrustLevel: null, stores: [], failures: {}, reason: `certificate not installed: ${(err as Error).message}`.slice(0, 1024) };
      }
      if (record.reason !== undefined) options.log.warn({ failures: record.failures }, record.reason);
      else if (Object.keys(record.failures).length > 0) options.log.warn({ stores: record.stores, failures: record.failures }, "device certificate installed in some browser stores only");
      else options.log.info({ stores: record.stores, notAfter: record.notAfter }, "device certificate installed for the browsers");
      try {
        writeFileAtomic(recordPath, `${JSON.stringify(record)}\n`);
      } catch (err) {
        options.log.warn({ err }, "could not save the certificate install record");
      }
      return record;
    },
  };

  async function installEverywhere(certPem: string, keyPem: string, previous: InstallRecord | undefined): Promise<InstallRecord> {
    const cert = new X509Certificate(certPem);
    const sha1 = createHash("sha1").update(cert.raw).digest("hex");
    const base = { installedAt: now().toISOString(), notAfter: new Date(cert.validTo).toISOString(), sha1 };
    const level = keyTrustLevelFor(platform);
    if (level === undefined) return { ...base, keyTrustLevel: null, stores: [], failures: {}, reason: `no browser certificate store is supported on ${platform}` };
    const user = await resolveUser();
    if (user === undefined) return { ...base, keyTrustLevel: null, stores: [], failures: {}, reason: "no console user: nobody whose browsers could use the certificate is logged in" };

    const password = oneTimePassword();
    const pkcs12 = await buildPkcs12({ certPem, keyPem, password, friendlyName: CERT_NICKNAME });
    const stores: string[] = [];
    const failures: Record<string, string> = {};
    await withImportFiles(pkcs12, password, platform === "win32" ? undefined : user, async (files) => {
      for (const target of targetsFor(user, files, sha1, previous?.sha1 ?? undefined).slice(0, MAX_STORES)) {
        try {
          await executePlan(target.steps, executor);
          stores.push(target.label);
        } catch (err) {
          // The tool's own complaint (the cause), not executePlan's message, which quotes the command line.
          failures[target.label] = failureReason(err);
        } finally {
          if (target.cleanup) await executePlan(target.cleanup, executor).catch(() => undefined);
        }
      }
    });
    if (stores.length === 0) return { ...base, keyTrustLevel: null, stores, failures, reason: "the certificate could not be installed in any browser store" };
    return { ...base, keyTrustLevel: level, stores, failures };
  }

  function targetsFor(user: ConsoleUser, files: ImportFiles, sha1: string, previousSha1: string | undefined): StoreTarget[] {
    switch (platform) {
      case "linux":
        return linuxTargets(user, files, process.getuid?.() ?? -1, options.nssDatabases?.(user));
      case "darwin":
        return darwinTargets({ user, files, sha1, signInHosts: options.signInHosts ?? [], ...(previousSha1 !== undefined ? { previousSha1 } : {}) });
      case "win32":
        return windowsTargets({ account: user.name, files });
      default:
        return [];
    }
  }
}

/**
 * NSS's soft token is a file the user can read and export: software. The login keychain and
 * CurrentUser\My with a non-exportable key: OS keystore. Never hardware: this build does not
 * generate keys in a TPM or Secure Enclave, and a fact must not claim what was not proven.
 */
function failureReason(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return (cause instanceof Error ? cause.message : String(cause)).slice(0, 1024);
}

export function keyTrustLevelFor(platform: NodeJS.Platform): KeyTrustLevel | undefined {
  if (platform === "linux") return "software";
  if (platform === "darwin" || platform === "win32") return "os_keystore";
  return undefined;
}

export function readInstallRecord(stateDir: string): InstallRecord | undefined {
  const file = path.join(stateDir, INSTALL_RECORD_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = InstallRecordSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function defaultConsoleUser(platform: NodeJS.Platform): Promise<ConsoleUser | undefined> {
  if (platform === "win32") {
    const account = (await run("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", ["-NoProfile", "-NonInteractive", "-Command", "(Get-CimInstance Win32_ComputerSystem).UserName"]))?.trim();
    return account ? { name: account, uid: -1, gid: -1, home: "" } : undefined;
  }
  const name = await consoleUsername();
  if (name === undefined) return undefined;
  if (platform === "darwin") {
    const id = (await run("/usr/bin/id", ["-u", name]))?.trim();
    const gid = (await run("/usr/bin/id", ["-g", name]))?.trim();
    const home = /^NFSHomeDirectory:\s*(\/.*)$/m.exec((await run("/usr/bin/dscl", [".", "-read", `/Users/${name}`, "NFSHomeDirectory"])) ?? "")?.[1]?.trim();
    if (!id || !gid || !home) return undefined;
    return { name, uid: Number(id), gid: Number(gid), home };
  }
  const line = await run(LINUX_TOOLS.getent, ["passwd", name]);
  return line === undefined ? undefined : parsePasswdEntry(line.split("\n")[0] ?? "");
}

function run(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000, windowsHide: true }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}
