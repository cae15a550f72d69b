import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { buildCertificateRequest, generateCertificateKey } from "../../agent/certificate/csr.ts";
import { DEFAULT_LIMITS } from "../options.ts";
import { issueDeviceCertificate, MAX_CSR_BYTES, type IssueContext } from "./issue.ts";
import { DeviceTable, newTestCa } from "../../test/support/device-ca.ts";
import { verifyDeviceCertificate } from "./verify.ts";

const DEVICE = "3F2504E0-4F89-11D3-9A0C-0305E82C3301";

/** A CSR made by Debian's openssl for `keyPem`. */
function opensslCsr(keyPem: string): string {
  const dir = mkdtempSync(join(tmpdir(), "facet-csr-"));
  try {
    writeFileSync(join(dir, "key.pem"), keyPem, { mode: 0o600 });
    return execFileSync("openssl", ["req", "-new", "-key", join(dir, "key.pem"), "-subj", "/CN=openssl"], { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function setup(now = Date.now()) {
  const table = new DeviceTable();
  table.add(DEVICE);
  const ctx: IssueContext = { store: table, deviceCa: await newTestCa(now), now: () => now, limits: DEFAULT_LIMITS };
  return { table, ctx, now };
}

describe("issueDeviceCertificate", () => {
  test("issues a client-auth certificate naming the device, for deviceCertDays, that verifies against the CA", async () => {
    const { ctx, table, now } = await setup();
    const key = generateCertificateKey();
    const result = await issueDeviceCertificate(ctx, DEVICE, await buildCertificateRequest(key, DEVICE));
    assert.ok(result.ok, JSON.stringify(result));
    const cert = new X509Certificate(result.certificatePem);
    assert.equal(cert.subject, `CN=${DEVICE}`);
    assert.equal(cert.subjectAltName, `URI:urn:facet:device:${DEVICE}, URI:urn:device:apple:uuid:${DEVICE.toLowerCase()}`);
    assert.deepEqual(cert.keyUsage, ["1.3.6.1.5.5.7.3.2"], "extended key usage: clientAuth only");
    assert.equal(cert.ca, false);
    assert.ok(cert.checkPrivateKey(await import("node:crypto").then((c) => c.createPrivateKey(key))), "certifies the agent's key");
    assert.equal(Math.round((result.notAfter - now) / 86_400_000), DEFAULT_LIMITS.deviceCertDays);
    assert.match(result.serialNumber, /^[0-9A-F]{32}$/);
    const check = verifyDeviceCertificate(ctx.deviceCa, cert, now);
    assert.deepEqual(check, { ok: true, deviceId: DEVICE, serialNumber: result.serialNumber, notAfter: result.notAfter, fingerprint256: cert.fingerprint256 });
    const [event] = table.events;
    assert.equal(event?.type, "device.certificate_issued");
    assert.deepEqual(event?.data, { serialNumber: result.serialNumber, notAfter: new Date(result.notAfter).toISOString() });
  });

  test("openssl verify accepts the chain for TLS client auth and prints the device URIs", async () => {
    const { ctx } = await setup();
    const result = await issueDeviceCertificate(ctx, DEVICE, await buildCertificateRequest(generateCertificateKey(), DEVICE));
    assert.ok(result.ok);
    const dir = mkdtempSync(join(tmpdir(), "facet-ca-"));
    try {
      writeFileSync(join(dir, "ca.pem"), ctx.deviceCa.certificatePem);
      writeFileSync(join(dir, "leaf.pem"), result.certificatePem);
      const out = execFileSync("openssl", ["verify", "-purpose", "sslclient", "-x509_strict", "-CAfile", join(dir, "ca.pem"), join(dir, "leaf.pem")], { encoding: "utf8" });
      assert.match(out, /leaf\.pem: OK/);
      const text = execFileSync("openssl", ["x509", "-in", join(dir, "leaf.pem"), "-noout", "-text"], { encoding: "utf8" });
      assert.match(text, /URI:urn:device:apple:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301/);
      assert.match(text, /TLS Web Client Authentication/);
      assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("ignores what the CSR asks for: the subject comes from the authenticated device", async () => {
    const { ctx } = await setup();
    const result = await issueDeviceCertificate(ctx, DEVICE, await buildCertificateRequest(generateCertificateKey(), "someone-else"));
    assert.ok(result.ok);
    assert.equal(new X509Certificate(result.certificatePem).subject, `CN=${DEVICE}`);
  });

  test("refuses a revoked device and an unknown one, even with a good CSR", async () => {
    const { ctx, table } = await setup();
    table.add("revoked", { revokedAt: 5 });
    const revoked = await issueDeviceCertificate(ctx, "revoked", await buildCertificateRequest(generateCertificateKey(), "revoked"));
    assert.equal(revoked.ok ? "issued" : revoked.code, "revoked_device");
    const unknown = await issueDeviceCertificate(ctx, "nobody", await buildCertificateRequest(generateCertificateKey(), "nobody"));
    assert.equal(unknown.ok ? "issued" : unknown.code, "unknown_device");
    assert.equal(table.events.length, 0, "nothing issued, nothing recorded");
  });

  test("refuses a CSR whose signature does not verify (no proof of possession)", async () => {
    const { ctx } = await setup();
    const pem = await buildCertificateRequest(generateCertificateKey(), DEVICE);
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5]! ^= 0x01; // inside the ECDSA signature, the DER's last field
    const result = await issueDeviceCertificate(ctx, DEVICE, der.toString("base64"));
    assert.deepEqual(result.ok ? "issued" : result.code, "bad_csr");
    assert.match(result.ok ? "" : result.message, /signature does not verify/);
  });

  test("refuses an oversize CSR before parsing it, garbage, and a key that is not P-256", async () => {
    const { ctx } = await setup();
    const big = await issueDeviceCertificate(ctx, DEVICE, Buffer.alloc(MAX_CSR_BYTES + 1, 0x30).toString("base64"));
    assert.match(big.ok ? "" : big.message, /larger than 4096 bytes/);
    const junk = await issueDeviceCertificate(ctx, DEVICE, "not a csr!");
    assert.equal(junk.ok ? "issued" : junk.code, "bad_csr");
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const wrongCurve = await issueDeviceCertificate(ctx, DEVICE, opensslCsr(p384));
    assert.match(wrongCurve.ok ? "" : wrongCurve.message, /not ECDSA P-256/);
  });

  test("accepts a CSR made by openssl for a P-256 key, not only the agent's own", async () => {
    const { ctx } = await setup();
    const key = generateCertificateKey();
    const csr = opensslCsr(key);
    const result = await issueDeviceCertificate(ctx, DEVICE, csr);
    assert.ok(result.ok);
  });

  test("rate-limits issuance per device per rolling hour", async () => {
    const { ctx } = await setup();
    let now = ctx.now();
    ctx.now = () => now;
    const csr = await buildCertificateRequest(generateCertificateKey(), DEVICE);
    for (let i = 0; i < DEFAULT_LIMITS.deviceCertsPerHour; i++) assert.ok((await issueDeviceCertificate(ctx, DEVICE, csr)).ok);
    const limited = await issueDeviceCertificate(ctx, DEVICE, csr);
    assert.equal(limited.ok ? "issued" : limited.code, "certificate_rate_limited");
    now += 3_600_001;
    assert.ok((await issueDeviceCertificate(ctx, DEVICE, csr)).ok, "an hour later it issues again");
  });
});
