/**
 * Where the device CA comes from at start: the admin's files if given, else the store's
 * `device_ca` setting, created by whichever replica gets there first.
 *
 * Why the key lives in the store by default: every replica must issue certificates that chain
 * to one CA (proxies and authentik trust exactly one), and the store is the one thing all
 * replicas share; a per-host file would give each replica its own CA. Creation is race-safe:
 * each starting replica proposes a fresh CA with insertSettingIfAbsent and all use whichever
 * was inserted first.
 *
 * What that costs: whoever can read the database (a leaked backup, a read-only DB account) can
 * mint device certificates — a wider power than reading it gave before (tokens are stored as
 * keyed hashes). An installation that does not accept that supplies the CA as files
 * (`facet-connector serve --device-ca-cert ca.pem --device-ca-key ca.key`, the same files on every
 * replica, the key readable by the connector only); then the key never enters the database, and
 * the store's setting is not consulted.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import { z } from "zod";
import type { SettingsStore } from "../store/types.ts";
import { deviceCaFromPem, DeviceCaError, generateDeviceCaPem, type DeviceCa } from "./authority.ts";

export const DEVICE_CA_SETTING = "device_ca";

const StoredCaSchema = z.strictObject({
  v: z.literal(1),
  certificatePem: z.string().max(16_384),
  keyPem: z.string().max(16_384),
  createdAt: z.number().int(),
});

export interface DeviceCaFiles {
  certFile: string;
  keyFile: string;
}

export interface LoadDeviceCaOptions {
  store: Pick<SettingsStore, "getSetting" | "insertSettingIfAbsent">;
  now: number;
  log?: Logger;
  /** The admin's CA; the store is then neither read nor written. */
  files?: DeviceCaFiles;
}

export async function loadDeviceCa(options: LoadDeviceCaOptions): Promise<DeviceCa> {
  const { store, now, log, files } = options;
  if (files) {
    const ca = await deviceCaFromPem(readText(files.certFile, "certificate"), readText(files.keyFile, "key"), "files", now);
    log?.info({ subject: ca.certificate.subject, validTo: ca.certificate.validTo }, "device CA loaded from files");
    return ca;
  }
  let stored = await store.getSetting(DEVICE_CA_SETTING);
  if (stored === null) {
    const proposal = { v: 1, ...(await generateDeviceCaPem(now)), createdAt: now };
    stored = await store.insertSettingIfAbsent(DEVICE_CA_SETTING, proposal);
    if ((stored as { certificatePem?: unknown }).certificatePem === proposal.certificatePem) log?.info("device CA created and stored");
  }
  const parsed = StoredCaSchema.safeParse(stored);
  if (!parsed.success) throw new DeviceCaError(`the stored device CA (setting ${DEVICE_CA_SETTING}) is malformed: ${parsed.error.issues[0]?.message ?? ""}`);
  return deviceCaFromPem(parsed.data.certificatePem, parsed.data.keyPem, "store", now);
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new DeviceCaError(`cannot read the device CA ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
