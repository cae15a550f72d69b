import { test } from "node:test";
import assert from "node:assert/strict";
import { FACET_VENDOR_KEY, FactsSchema } from "../../shared/facts/schema.ts";
import type { Collected } from "../collectors/types.ts";
import { deviceCertificateFacts, withDeviceCertificateFacts } from "./facts.ts";
import type { InstallRecord } from "./browser-stores.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const installed: InstallRecord = {
  installedAt: "2026-12-02T01:00:00.000Z",
  notAfter: "2026-12-09T01:00:00.000Z",
  sha1: "a".repeat(40),
  keyTrustLevel: "software",
  stores: ["nss:chrome", "nss:firefox:abcd.default-release"],
  failures: {},
};

test("an installed certificate is reported with its key protection, end of validity and stores, nothing unknown", () => {
  const { value, unknown } = deviceCertificateFacts(installed);
  assert.deepEqual(value, { key_trust_level: "software", not_after: "2026-12-09T01:00:00.000Z", stores: ["nss:chrome", "nss:firefox:abcd.default-release"] });
  assert.deepEqual(unknown, {});
});

test("a failed install leaves key_trust_level null with the failure as its reason, never a guess", () => {
  const { value, unknown } = deviceCertificateFacts({ ...installed, keyTrustLevel: null, stores: [], reason: "the certificate could not be installed in any browser store" });
  assert.equal(value.key_trust_level, null);
  assert.equal(unknown[`vendor.${FACET_VENDOR_KEY}.device_certificate.key_trust_level`], "the certificate could not be installed in any browser store");
});

test("each snapshot carries the state dir's record beside Facet's other vendor facts, in a document the schema accepts", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "facet-certfacts-"));
  try {
    writeFileSync(path.join(dir, "device-cert-install.json"), JSON.stringify(installed));
    const base: Collected = {
      facts: { os: null, disks: null, network: null, hardware: null, security: null, software: null, processes: null, users: null, groups: null, vendor: { [FACET_VENDOR_KEY]: { platform: "linux" } } },
      unknown: { os: "synthetic" },
      durationMs: 1,
    };
    const collected = await withDeviceCertificateFacts(async () => base, dir)();
    assert.deepEqual(collected.facts.vendor?.[FACET_VENDOR_KEY], { platform: "linux", device_certificate: deviceCertificateFacts(installed).value });
    assert.deepEqual(collected.unknown, { os: "synthetic" });
    assert.ok(FactsSchema.safeParse(collected.facts).success);
    writeFileSync(path.join(dir, "device-cert-install.json"), "{ not json");
    const broken = await withDeviceCertificateFacts(async () => base, dir)();
    assert.match(broken.unknown[`vendor.${FACET_VENDOR_KEY}.device_certificate.key_trust_level`] ?? "", /no device certificate has been installed yet/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
