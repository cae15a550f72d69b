/**
 * The PKCS#12 the agent builds, read back by tools it did not write: OpenSSL (`openssl pkcs12`)
 * and NSS (`pk12util`, in browser-stores.test.ts). Certificates are synthetic.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeCa, makeLeaf } from "../../test/support/test-certs.ts";
import { buildPkcs12, oneTimePassword } from "./pkcs12.ts";

test("OpenSSL opens it with the password: AES-256 key bag, SHA-1 MAC that macOS accepts, the friendly name on both bags", async () => {
  const ca = await makeCa();
  const leaf = await makeLeaf(ca, { subject: "Facet device p12", uris: ["urn:facet:device:p12"], usage: "client" });
  const password = oneTimePassword();
  const der = await buildPkcs12({ certPem: leaf.certPem, keyPem: leaf.keyPem, password, friendlyName: "Facet device certificate" });
  const dir = mkdtempSync(path.join(tmpdir(), "facet-p12-"));
  try {
    const file = path.join(dir, "d.p12");
    const pass = path.join(dir, "pass");
    writeFileSync(file, der);
    writeFileSync(pass, password, { mode: 0o600 });
    const info = execFileSync("openssl", ["pkcs12", "-info", "-in", file, "-passin", `file:${pass}`, "-nodes"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const stderr = execFileSync("sh", ["-c", `openssl pkcs12 -info -in "$1" -passin "file:$2" -noout 2>&1`, "sh", file, pass], { encoding: "utf8" });
    assert.match(stderr, /MAC: sha1/);
    assert.match(stderr, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
    assert.equal((info.match(/friendlyName: Facet device certificate/g) ?? []).length, 2);
    const keyOut = /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/.exec(info)?.[0];
    assert.equal(keyOut?.replace(/\s/g, ""), leaf.keyPem.replace(/\s/g, ""));
    assert.throws(() => execFileSync("openssl", ["pkcs12", "-in", file, "-passin", "pass:wrong", "-noout"], { stdio: "ignore" }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("refuses a PEM of the wrong kind", async () => {
  await assert.rejects(buildPkcs12({ certPem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", keyPem: "x", password: "p", friendlyName: "f" }), /not a PEM certificate/);
});

test("one-time passwords are random, 128 bits", () => {
  const a = oneTimePassword();
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(a, oneTimePassword());
});
