/**
 * The client certificate as a TLS-terminating reverse proxy forwards it to the auth server (which
 * passes the header value on to `POST /v1/endpoint/check`). Accepted forms:
 *
 * - PEM, as is or with the newlines turned into spaces or tabs (nginx's deprecated `$ssl_client_cert`
 *   indents continuation lines with a tab; some proxies fold lines into spaces).
 * - URL-escaped PEM: nginx `$ssl_client_escaped_cert`, Traefik v2 and HAProxy set-ups.
 * - Envoy's `X-Forwarded-Client-Cert` (XFCC): comma-separated elements, each `Key=value;…` with
 *   `Cert="<URL-escaped PEM>"` (and/or `Chain=`), as Envoy documents it under "HTTP header
 *   manipulation → x-forwarded-client-cert": "Each substring is an XFCC element, which holds
 *   information added by a single proxy. A proxy can append the current client certificate
 *   information as an XFCC element, to the end of the request's XFCC header after a comma."
 *   The FIRST (leftmost) element is taken: it was added by the first proxy on the path, the one
 *   that terminated the browser's TLS; proxies behind it append their own peer (the previous
 *   proxy) to the right. This holds only if that edge proxy drops an XFCC header arriving from
 *   the client (Envoy's `forward_client_cert_details: SANITIZE_SET`); with APPEND_FORWARD at the
 *   edge, a client could put a copied (public) device certificate in front. docs/protocol.md says so.
 * - Traefik v3 `X-Forwarded-Tls-Client-Cert`: base64 DER (PEM without armour and newlines),
 *   comma-separated leaf first when the client sent a chain; optionally URL-escaped (Traefik v2).
 * - RFC 9440 `Client-Cert`: `:base64 DER:`.
 *
 * Only the device's own (leaf) certificate is wanted: the chain is the CA's, which the connector
 * already holds. Input is bounded before any work; every failure is a typed reason, never a throw.
 */
import { X509Certificate } from "node:crypto";

/** A P-256 leaf is ~700 bytes of DER, ~1.3 KB escaped; 16 KiB leaves room for an XFCC with Chain. */
export const MAX_FORWARDED_CERT_CHARS = 16_384;

export type ForwardedFormat = "pem" | "xfcc" | "base64-der" | "rfc9440";

export type ForwardedCertificate =
  | { ok: true; certificate: X509Certificate; format: ForwardedFormat }
  | { ok: false; reason: "missing" | "too_large" | "malformed"; detail: string };

const PEM_BLOCK = /-----BEGIN[ +]CERTIFICATE-----([\s\S]*?)-----END[ +]CERTIFICATE-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** An XFCC element starts with one of Envoy's keys; PEM and base64 never contain `Key=` at the start. */
const XFCC_START = /^\s*(By|Hash|Cert|Chain|Subject|URI|DNS)=/i;

export function parseForwardedCertificate(value: string | null | undefined): ForwardedCertificate {
  if (value === null || value === undefined || value.trim() === "") return { ok: false, reason: "missing", detail: "no client certificate was forwarded" };
  if (value.length > MAX_FORWARDED_CERT_CHARS) {
    return { ok: false, reason: "too_large", detail: `the forwarded certificate is longer than ${MAX_FORWARDED_CERT_CHARS} characters` };
  }
  const text = value.trim();
  if (XFCC_START.test(text)) return fromXfcc(text);
  if (text.length > 2 && text.startsWith(":") && text.endsWith(":")) return fromDer(text.slice(1, -1), "rfc9440");
  const unescaped = text.includes("%") ? percentDecode(text) : text;
  if (unescaped === null) return malformed("the value is not valid URL-escaped text");
  if (unescaped.includes("-----BEGIN")) return fromPem(unescaped, "pem");
  // Traefik: certificates separated by commas, the client's own first.
  return fromDer(unescaped.split(",")[0]!, "base64-der");
}

function fromXfcc(text: string): ForwardedCertificate {
  const first = splitOutsideQuotes(text, ",")[0] ?? "";
  const fields = new Map<string, string>();
  for (const pair of splitOutsideQuotes(first, ";")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    let raw = pair.slice(eq + 1).trim();
    if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1).replace(/\\"/g, '"');
    // DNS may repeat; only Cert and Chain matter here, and each appears once.
    if (!fields.has(key)) fields.set(key, raw);
  }
  const escaped = fields.get("cert") ?? fields.get("chain");
  if (escaped === undefined) {
    return malformed("the X-Forwarded-Client-Cert element has no Cert (configure Envoy's set_current_client_cert_details with cert: true)");
  }
  const pem = percentDecode(escaped);
  if (pem === null) return malformed("the XFCC Cert value is not valid URL-escaped text");
  // With Chain, the leaf comes first: the first PEM block is the client's own certificate.
  return fromPem(pem, "xfcc");
}

function fromPem(text: string, format: ForwardedFormat): ForwardedCertificate {
  const block = PEM_BLOCK.exec(text);
  if (!block) return malformed("no complete PEM certificate block");
  return fromDer(block[1]!, format);
}

function fromDer(base64: string, format: ForwardedFormat): ForwardedCertificate {
  const compact = base64.replace(/\s+/g, "");
  if (!BASE64.test(compact)) return malformed("the certificate is not base64");
  try {
    return { ok: true, certificate: new X509Certificate(Buffer.from(compact, "base64")), format };
  } catch (err) {
    return malformed(`the certificate does not parse: ${(err as Error).message}`.slice(0, 200));
  }
}

function percentDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** Splits on `separator` outside double quotes (XFCC quotes values holding `,;=`). */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && quoted) {
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function malformed(detail: string): ForwardedCertificate {
  return { ok: false, reason: "malformed", detail };
}
