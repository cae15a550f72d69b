/**
 * A PKCS#12 (PFX) file holding the device certificate and its private key, built in memory for
 * the OS tools that only import keys that way (NSS `pk12util`, macOS `security import`, Windows
 * `Import-PfxCertificate`).
 *
 * Why pkijs: node:crypto cannot write PKCS#12 at all, and node-forge's PKCS#12 writer only takes
 * RSA keys, while the device key is ECDSA P-256. pkijs (PeculiarVentures, the authors of the
 * @peculiar/x509 the device CA already uses) writes any PKCS#8 key on Node's WebCrypto, with no
 * native code, so the single-file agent binary stays pure JS.
 *
 * Algorithms: the key bag is encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), which NSS,
 * Windows 10+ and macOS 11+ import. The integrity MAC is HMAC-SHA1, not SHA-256: macOS's Security
 * framework refuses SHA-256 MACs ("MAC verification failed", reported in kube-rs/kube#691 and
 * ruby/openssl#654). The password is one-time and random, and the file lives for the seconds an
 * import takes, so the older MAC costs nothing here.
 */
import { createHash, randomBytes, webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

const engine = new pkijs.CryptoEngine({ name: "node-webcrypto", crypto: webcrypto as unknown as Crypto });

const OID = {
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
} as const;

/** PBKDF2 and MAC iterations: OpenSSL 3's default, cheap for one import, costly for a guesser. */
const ITERATIONS = 2048;

export interface Pkcs12Input {
  certPem: string;
  keyPem: string;
  password: string;
  /** What NSS (nickname), Keychain Access and certmgr show. */
  friendlyName: string;
}

/** A password for one import: 32 hex characters, never reused. */
export function oneTimePassword(): string {
  return randomBytes(16).toString("hex");
}

export async function buildPkcs12({ certPem, keyPem, password, friendlyName }: Pkcs12Input): Promise<Buffer> {
  const certDer = pemBody(certPem, "CERTIFICATE");
  const keyDer = pemBody(keyPem, "PRIVATE KEY");
  const certificate = pkijs.Certificate.fromBER(certDer);
  const privateKey = pkijs.PrivateKeyInfo.fromBER(keyDer);
  const pass = new TextEncoder().encode(password).buffer as ArrayBuffer;

  // The same localKeyId on both bags is how importers pair the key with its certificate.
  const attributes = [
    new pkijs.Attribute({ type: OID.friendlyName, values: [new asn1js.BmpString({ value: friendlyName })] }),
    new pkijs.Attribute({ type: OID.localKeyId, values: [new asn1js.OctetString({ valueHex: sha1(certDer) })] }),
  ];
  const keyBag = new pkijs.PKCS8ShroudedKeyBag({ parsedValue: privateKey });
  await keyBag.makeInternalValues({ password: pass, contentEncryptionAlgorithm: { name: "AES-CBC", length: 256 } as never, hmacHashAlgorithm: "SHA-256", iterationCount: ITERATIONS }, engine);

  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [new pkijs.SafeBag({ bagId: OID.shroudedKeyBag, bagValue: keyBag, bagAttributes: attributes })] }) },
            { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [new pkijs.SafeBag({ bagId: OID.certBag, bagValue: new pkijs.CertBag({ parsedValue: certificate }), bagAttributes: attributes })] }) },
          ],
        },
      }),
    },
  });
  await pfx.parsedValue!.authenticatedSafe!.makeInternalValues({ safeContents: [{}, {}] }, engine);
  await pfx.makeInternalValues({ password: pass, iterations: ITERATIONS, pbkdf2HashAlgorithm: { name: "SHA-1" }, hmacHashAlgorithm: "SHA-1" }, engine);
  return Buffer.from(pfx.toSchema().toBER(false));
}

/** The DER inside one PEM block of the given label; throws on anything else. */
export function pemBody(pem: string, label: "CERTIFICATE" | "PRIVATE KEY"): ArrayBuffer {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`not a PEM ${label.toLowerCase()}`);
  const der = Buffer.from(match[1]!.replace(/\s+/g, ""), "base64");
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

function sha1(der: ArrayBuffer): ArrayBuffer {
  const digest = createHash("sha1").update(Buffer.from(der)).digest();
  return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
}
