import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, webcrypto } from "node:crypto";
import { buildCertificateRequest, generateCertificateKey } from "../../agent/certificate/csr.ts";
import { ECDSA_P256, loadX509 } from "../../shared/x509/library.ts";
import { DEFAULT_LIMITS } from "../options.ts";
import { deviceCaFromPem, randomSerial, type DeviceCa } from "./authority.ts";
import { issueDeviceCertificate } from "./issue.ts";
import { DeviceTable, newTestCa } from "../../test/support/device-ca.ts";
import { deviceFromForwardedCertificate, verifyDeviceCertificate } from "./verify.ts";

const DEVICE = "0f8fad5b-d9cb-469f-a165-70867728950e";
const DAY = 86_400_000;
const x509 = await loadX509();

async function issue(ca: DeviceCa, at: number, deviceId = DEVICE): Promise<X509Certificate> {
  const table = new DeviceTable();
  table.add(deviceId);
  const result = await issueDeviceCertificate({ store: table, deviceCa: ca, now: () => at, limits: DEFAULT_LIMITS }, deviceId, await buildCertificateRequest(generateCertificateKey(), deviceId));
  assert.ok(result.ok);
  return new X509Certificate(result.certificatePem);
}

/** A CA whose certificate copies `ca`'s subject name exactly, with its own key. */
async function impostorOf(ca: DeviceCa, now: number): Promise<DeviceCa> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: new x509.X509Certificate(new Uint8Array(ca.certificate.raw)).subjectName,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
    keys,
    signingAlgorithm: ECDSA_P256,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64")}\n-----END PRIVATE KEY-----\n`;
  return deviceCaFromPem(cert.toString("pem"), keyPem, "files", now);
}

describe("verifyDeviceCertificate", () => {
  test("accepts this CA's device certificate within its validity and names the device", async () => {
    const now = Date.now();
    const ca = await newTestCa(now);
    const result = verifyDeviceCertificate(ca, await issue(ca, now), now + DAY);
    assert.equal(result.ok && result.deviceId, DEVICE);
  });

  test("rejects a certificate from another CA with the same subject, issuer name and device SAN", async () => {
    const now = Date.now();
    const ca = await newTestCa(now);
    const impostor = await impostorOf(ca, now);
    assert.equal(impostor.certificate.subject, ca.certificate.subject, "the two CAs share a name");
    const forged = await issue(impostor, now);
    assert.equal(forged.issuer, ca.certificate.subject);
    assert.deepEqual(verifyDeviceCertificate(ca, forged, now), { ok: false, reason: "wrong_ca", detail: "the certificate was not issued by this connector's device CA" });
  });

  test("rejects a certificate whose signature was tampered with", async () => {
    const now = Date.now();
    const ca = await newTestCa(now);
    const der = Buffer.from((await issue(ca, now)).raw);
    der[der.length - 3]! ^= 0x01; // the last bytes are the ECDSA signature's s value
    const tampered = new X509Certificate(der);
    assert.equal(tampered.checkIssued(ca.certificate), true, "names still match: only the signature tells");
    assert.equal(verifyDeviceCertificate(ca, tampered, now).ok ? "ok" : (verifyDeviceCertificate(ca, tampered, now) as { reason: string }).reason, "wrong_ca");
  });

  test("rejects an expired certificate and one not yet valid", async () => {
    const now = Date.now();
    const ca = await newTestCa(now - 30 * DAY);
    const old = await issue(ca, now - 30 * DAY);
    const expired = verifyDeviceCertificate(ca, old, now);
    assert.equal(expired.ok ? "ok" : expired.reason, "expired");
    const early = verifyDeviceCertificate(ca, old, now - 31 * DAY);
    assert.equal(early.ok ? "ok" : early.reason, "not_yet_valid");
  });

  test("rejects a certificate of this CA that names no Facet device", async () => {
    const now = Date.now();
    const ca = await newTestCa(now);
    const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"])) as CryptoKeyPair;
    const plain = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: `CN=${DEVICE}`,
      issuer: new x509.X509Certificate(new Uint8Array(ca.certificate.raw)).subjectName,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + DAY),
      publicKey: keys.publicKey,
      signingKey: ca.signer.key,
      signingAlgorithm: ca.signer.algorithm,
      extensions: [await x509.AuthorityKeyIdentifierExtension.create(new x509.X509Certificate(new Uint8Array(ca.certificate.raw)))],
    });
    const result = verifyDeviceCertificate(ca, new X509Certificate(plain.toString("pem")), now);
    assert.equal(result.ok ? "ok" : result.reason, "not_a_device_certificate");
  });

  test("deviceFromForwardedCertificate: a header in, the device or the reason out", async () => {
    const now = Date.now();
    const ca = await newTestCa(now);
    const cert = await issue(ca, now);
    const escaped = encodeURIComponent(cert.toString());
    assert.equal((deviceFromForwardedCertificate(ca, escaped, now) as { deviceId?: string }).deviceId, DEVICE);
    assert.equal((deviceFromForwardedCertificate(ca, undefined, now) as { reason?: string }).reason, "missing");
    assert.equal((deviceFromForwardedCertificate(ca, "%%%", now) as { reason?: string }).reason, "malformed");
  });
});
