import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { deviceCertificatePaths, ensureCertificateKey, readDeviceCertificate, saveDeviceCertificate } from "./files.ts";

const dir = () => mkdtempSync(path.join(os.tmpdir(), "facet-cert-files-"));

test("the key is created once, 0600, and kept", () => {
  const d = dir();
  const key = ensureCertificateKey(d);
  assert.match(key, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(statSync(deviceCertificatePaths(d).key).mode & 0o777, 0o600);
  assert.equal(ensureCertificateKey(d), key);
});

test("a key readable by others is replaced, and the certificate for it removed", () => {
  const d = dir();
  const paths = deviceCertificatePaths(d);
  const key = ensureCertificateKey(d);
  saveDeviceCertificate(d, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  chmodSync(paths.key, 0o644);
  const replaced = ensureCertificateKey(d);
  assert.notEqual(replaced, key);
  assert.equal(existsSync(paths.certificate), false);
  assert.equal(statSync(paths.key).mode & 0o777, 0o600);
});

test("an unparsable certificate or key reads as none", () => {
  const d = dir();
  ensureCertificateKey(d);
  saveDeviceCertificate(d, "not a certificate");
  assert.equal(readDeviceCertificate(d), undefined);
  writeFileSync(deviceCertificatePaths(d).key, "junk", { mode: 0o600 });
  assert.equal(readDeviceCertificate(d), undefined);
  assert.notEqual(ensureCertificateKey(d), "junk");
});
