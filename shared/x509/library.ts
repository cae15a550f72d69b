/**
 * The one door to @peculiar/x509, which builds the device certificates (connector) and their
 * certificate requests (agent). Load it with `await loadX509()`, never by importing it directly:
 *
 * - @peculiar/x509's dependency injection (tsyringe) refuses to load unless the Reflect metadata
 *   polyfill ran first; loading `reflect-metadata` before it, here, is what makes it load (in tsx
 *   and in the esbuild bundle alike).
 * - It signs with WebCrypto; Node's own (`node:crypto` webcrypto) is set once, here.
 * - It is loaded on first use, not at start: it is about as heavy to load as zod, and only issuing
 *   (connector) and requesting (agent) a certificate need it. Verifying a forwarded certificate uses
 *   node:crypto alone (connector/device-ca/verify.ts).
 *
 * Why this library: node:crypto verifies and parses certificates but cannot create a certificate
 * or a PKCS#10 request. @peculiar/x509 does both on Node's WebCrypto (no native code, so the
 * single-file agent binary stays pure JS), is typed, and is kept by the PKI.js authors; pkijs would
 * do too, at about three times the code per certificate.
 */
import { webcrypto } from "node:crypto";

export type X509 = typeof import("@peculiar/x509");

let loading: Promise<X509> | undefined;

export function loadX509(): Promise<X509> {
  loading ??= (async () => {
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return loading;
}

/** ECDSA on P-256 with SHA-256: what every browser and OS keystore accepts for TLS client auth. */
export const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
