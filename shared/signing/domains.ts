/**
 * Domain separation: every signed message starts with a prefix naming what it is, so a signature
 * made for one purpose (answering the auth nonce) can never be replayed as another (a snapshot).
 */
export const SIGNING_DOMAINS = {
  enroll: "facet/v1/enroll\n",
  auth: "facet/v1/auth\n",
  snapshot: "facet/v1/snapshot\n",
} as const;

export type SigningDomain = keyof typeof SIGNING_DOMAINS;

/** The prefix, then the body: bytes as they are, or a text's UTF-8 (the body starts at the prefix's length: one byte a character). */
export function domainMessage(domain: SigningDomain, body: Uint8Array | string): Buffer {
  const prefix = SIGNING_DOMAINS[domain];
  if (typeof body !== "string") return Buffer.concat([Buffer.from(prefix, "utf8"), body]);
  // A text is encoded straight after the prefix: a snapshot body is tens of KB, and a second
  // buffer of that size per snapshot costs its allocation and page faults (docs/performance.md).
  const message = Buffer.allocUnsafe(prefix.length + Buffer.byteLength(body, "utf8"));
  message.write(prefix, 0, "latin1");
  message.write(body, prefix.length, "utf8");
  return message;
}
