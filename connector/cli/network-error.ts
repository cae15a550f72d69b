/**
 * "fetch failed" tells an admin nothing. A failed request says which URL and why, in words that
 * point at the fix: nothing listening, a host name that does not resolve, a certificate from a CA
 * this machine does not trust (then: --ca), plain http to a TLS port and the other way round.
 */
export class NetworkError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly code: string | undefined,
  ) {
    super(`cannot reach the connector at ${url}: ${reason}`);
    this.name = "NetworkError";
  }
}

const UNKNOWN_CA = new Set(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_GET_ISSUER_CERT"]);

/** The cause of a failed request in one phrase, from Node's error code. */
export function describeNetworkFailure(error: NodeJS.ErrnoException & { reason?: string }, url: URL): string {
  const code = error.code ?? "";
  const host = url.hostname;
  if (code === "ECONNREFUSED") return `connection refused (nothing listens on ${host}:${url.port || (url.protocol === "https:" ? 443 : 80)}; is the connector running?)`;
  if (code === "ENOTFOUND" || code === "EAI_NONAME") return `DNS: the host name ${host} does not resolve`;
  if (code === "EAI_AGAIN") return `DNS: could not resolve ${host} right now (temporary failure)`;
  if (code === "ETIMEDOUT" || code === "ABORT_ERR" || code === "TIMEOUT") return "timed out waiting for an answer";
  if (code === "ECONNRESET") return "the connection was reset (a plain-http request to a TLS port, or a proxy in between?)";
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return `no route to ${host}`;
  if (UNKNOWN_CA.has(code)) return `TLS: the certificate is signed by an unknown CA (${code}); pass --ca <file> with the CA's PEM, or set FACET_CA`;
  if (code === "CERT_HAS_EXPIRED") return "TLS: the connector's certificate has expired";
  if (code === "CERT_NOT_YET_VALID") return "TLS: the connector's certificate is not valid yet (check the clocks)";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `TLS: the certificate is not valid for ${host} (${error.reason ?? "name mismatch"})`;
  if (code === "EPROTO" || code.startsWith("ERR_SSL_")) return "TLS handshake failed (is this an https URL for a plain-http connector?)";
  if (code.startsWith("HPE_")) return "the answer is not HTTP (is this an http URL for a TLS connector?)";
  return `${error.message}${code ? ` (${code})` : ""}`;
}
