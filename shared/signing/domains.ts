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

export function domainMessage(domain: SigningDomain, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(SIGNING_DOMAINS[domain], "utf8"), body]);
}
