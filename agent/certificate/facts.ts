/**
 * The device certificate as facts, in Facet's own vendor entry:
 *
 *   vendor["facet.dev/agent"].device_certificate = {
 *     key_trust_level: "software" | "os_keystore" | "hardware" | null,
 *     not_after: "2026-12-09T…Z" | null,
 *     stores: ["nss:chrome", "nss:firefox:abcd.default-release"] | null,
 *   }
 *
 * read from the last install record. A null has its reason in `unknown`, as every fact does: no
 * certificate installed yet, or why installing it failed.
 */
import { DeviceCertificateFactsSchema, FACET_VENDOR_KEY, type DeviceCertificateFacts } from "../../shared/facts/schema.ts";
import type { Collected } from "../collectors/types.ts";
import { readInstallRecord, type InstallRecord } from "./browser-stores.ts";

const PATH = `vendor.${FACET_VENDOR_KEY}.device_certificate`;

export function deviceCertificateFacts(record: InstallRecord | undefined): { value: DeviceCertificateFacts; unknown: Record<string, string> } {
  if (record === undefined) {
    const why = "no device certificate has been installed yet";
    return { value: { key_trust_level: null, not_after: null, stores: null }, unknown: { [`${PATH}.key_trust_level`]: why, [`${PATH}.not_after`]: why, [`${PATH}.stores`]: why } };
  }
  const unknown: Record<string, string> = {};
  if (record.keyTrustLevel === null) unknown[`${PATH}.key_trust_level`] = record.reason ?? "the certificate is in no browser store";
  if (record.notAfter === null) unknown[`${PATH}.not_after`] = record.reason ?? "the certificate could not be read";
  const value = DeviceCertificateFactsSchema.parse({ key_trust_level: record.keyTrustLevel, not_after: record.notAfter, stores: record.stores });
  return { value, unknown };
}

/** Wraps a facts source so each snapshot carries the state dir's last install record. */
export function withDeviceCertificateFacts(collect: () => Promise<Collected>, stateDir: string): () => Promise<Collected> {
  return async () => {
    const collected = await collect();
    const { value, unknown } = deviceCertificateFacts(readInstallRecord(stateDir));
    const vendor = collected.facts.vendor ?? {};
    return {
      ...collected,
      facts: { ...collected.facts, vendor: { ...vendor, [FACET_VENDOR_KEY]: { ...(vendor[FACET_VENDOR_KEY] ?? {}), device_certificate: value } } },
      unknown: { ...collected.unknown, ...unknown },
    };
  };
}
