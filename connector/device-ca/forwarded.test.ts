import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { MAX_FORWARDED_CERT_CHARS, parseForwardedCertificate } from "./forwarded.ts";
import { deviceFromForwardedCertificate } from "./verify.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const ca = { certificate: new X509Certificate(fixture("synthetic-device-ca.pem")) };
const leafPem = fixture("synthetic-device-cert.pem");
const leaf = new X509Certificate(leafPem);
const DEVICE = "6f1c2f0e-2d4b-4b7e-9a55-0c2b8f0d9e11";
/** Inside the fixture certificate's validity (2026-12-01T23:55Z – 2026-12-09T00:00Z). */
const AT = Date.UTC(2026, 11, 3);
const base64Der = Buffer.from(leaf.raw).toString("base64");
const caBase64Der = Buffer.from(ca.certificate.raw).toString("base64");

function parsesToLeaf(value: string, format: string) {
  const parsed = parseForwardedCertificate(value);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  assert.equal(parsed.format, format);
  assert.equal(parsed.certificate.fingerprint256, leaf.fingerprint256);
  const check = deviceFromForwardedCertificate(ca, value, AT);
  assert.equal(check.ok && check.deviceId, DEVICE);
}

describe("parseForwardedCertificate", () => {
  test("nginx $ssl_client_escaped_cert, as recorded from nginx 1.22.1", () => {
    parsesToLeaf(fixture("nginx-1.22.1-ssl_client_escaped_cert.txt"), "pem");
  });

  test("nginx's deprecated $ssl_client_cert (tab-indented continuation lines), as recorded", () => {
    const raw = fixture("nginx-1.22.1-ssl_client_cert.txt");
    assert.match(raw, /\n\t/);
    parsesToLeaf(raw, "pem");
    parsesToLeaf(raw.replace(/\n\t/g, " "), "pem"); // as a server that unfolds the header line delivers it
  });

  test("plain PEM", () => {
    parsesToLeaf(leafPem, "pem");
  });

  test("Envoy XFCC with Hash, Cert, Subject and URI; several elements: the leftmost one counts", () => {
    const escaped = encodeURIComponent(leafPem);
    const element = `Hash=${leaf.fingerprint256.replace(/:/g, "").toLowerCase()};Cert="${escaped}";Subject="CN=${DEVICE}";URI=urn:facet:device:${DEVICE}`;
    parsesToLeaf(element, "xfcc");
    // A second proxy appends its own downstream peer (the first proxy) after a comma.
    const other = encodeURIComponent(fixture("synthetic-device-ca.pem"));
    parsesToLeaf(`${element},By=spiffe://cluster.local/ns/auth;Hash=abc;Cert="${other}"`, "xfcc");
    // Unquoted Cert (Envoy quotes only values with , ; =) and Chain-only elements work too.
    parsesToLeaf(`By=spiffe://edge;Cert=${escaped}`, "xfcc");
    parsesToLeaf(`Chain="${escaped}${other}"`, "xfcc");
  });

  test("an XFCC element without Cert or Chain says how to configure Envoy", () => {
    const parsed = parseForwardedCertificate(`By=spiffe://edge;Hash=abc;Subject="CN=x";URI=urn:facet:device:${DEVICE}`);
    assert.equal(parsed.ok ? "ok" : parsed.reason, "malformed");
    assert.match(parsed.ok ? "" : parsed.detail, /set_current_client_cert_details/);
  });

  test("Traefik v3 X-Forwarded-Tls-Client-Cert: base64 DER, leaf first in a comma-separated chain", () => {
    parsesToLeaf(base64Der, "base64-der");
    parsesToLeaf(`${base64Der},${caBase64Der}`, "base64-der");
  });

  test("Traefik v2's URL-escaped form and RFC 9440 Client-Cert", () => {
    parsesToLeaf(encodeURIComponent(base64Der), "base64-der");
    parsesToLeaf(`:${base64Der}:`, "rfc9440");
  });

  test("missing, oversized and malformed values are typed failures, never throws", () => {
    for (const value of [undefined, null, "", "   "]) assert.equal((parseForwardedCertificate(value) as { reason?: string }).reason, "missing");
    assert.equal((parseForwardedCertificate("A".repeat(MAX_FORWARDED_CERT_CHARS + 1)) as { reason?: string }).reason, "too_large");
    for (const value of ["%E0%A4%A", "-----BEGIN CERTIFICATE-----\nMIIB\n", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "not base64!", base64Der.slice(0, 200), ":::", "Cert=\"%ZZ\""]) {
      const parsed = parseForwardedCertificate(value);
      assert.equal(parsed.ok ? "ok" : parsed.reason, "malformed", value.slice(0, 40));
    }
  });

  test("the CA certificate itself is not a device certificate", () => {
    const check = deviceFromForwardedCertificate(ca, fixture("synthetic-device-ca.pem"), AT);
    assert.equal(check.ok ? "ok" : check.reason, "not_a_device_certificate", "it is signed by the CA's key (itself) but is a CA and names no device");
  });
});
