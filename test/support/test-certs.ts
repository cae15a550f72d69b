/**
 * Synthetic certificates for tests (made here, at run time): a CA, ECDSA P-256 leaf certificates
 * signed by it (TLS client certs naming a device, a TLS server cert for 127.0.0.1), with any
 * validity window. What reads them is real: NSS, nginx, Chromium, the connector's verifier.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

export interface TestCa {
  certPem: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface TestLeaf {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

export async function makeCa(name = "Synthetic Test CA"): Promise<TestCa> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return { certPem: cert.toString("pem"), cert, keys };
}

export interface LeafOptions {
  subject: string;
  /** SAN URIs (`urn:facet:device:…`). */
  uris?: string[];
  /** SAN IPs (`127.0.0.1` for a server). */
  ips?: string[];
  usage: "client" | "server";
  notBefore?: Date;
  notAfter?: Date;
}

export async function makeLeaf(ca: TestCa, options: LeafOptions): Promise<TestLeaf> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const names = [...(options.uris ?? []).map((value) => ({ type: "url" as const, value })), ...(options.ips ?? []).map((value) => ({ type: "ip" as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${options.subject}`,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 7 * DAY),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([options.usage === "client" ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { certPem: cert.toString("pem"), keyPem: pem("PRIVATE KEY", pkcs8) };
}

function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END ${label}-----\n`;
}
