/**
 * What every console response carries, and which transports the console accepts.
 *
 * The Content-Security-Policy allows scripts, styles and images from the connector itself only:
 * no inline script or style anywhere (plots are inline SVG elements, which CSP does not treat as
 * script), no framing, forms posting only back here.
 *
 * Cookies are `Secure` (and use the `__Host-` prefix) whenever the browser reached the console
 * over https, directly or through a reverse proxy that says so with `X-Forwarded-Proto: https`.
 * Plain http is served only to loopback clients (an admin on the connector's own host, or a
 * proxy on it that terminates TLS): anywhere else a token typed into the sign-in form would cross
 * the network in clear, so the console refuses.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { IncomingMessage } from "node:http";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "same-origin");
    c.header("Cross-Origin-Opener-Policy", "same-origin");
    c.header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  };
}

export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

export function remoteAddress(c: Context): string | null {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress ?? null;
}

export function isLoopback(address: string | null): boolean {
  if (!address) return false;
  return address === "::1" || /^(::ffff:)?127\./i.test(address);
}

export const cookieName = (secure: boolean) => (secure ? "__Host-facet_console" : "facet_console");

/** Same-origin check for writes: a browser sends Origin on POST; when present it must be ours. */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  const url = new URL(c.req.url);
  const forwarded = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim();
  const ours = new Set([url.origin, `${forwarded ?? url.protocol.replace(":", "")}://${c.req.header("host") ?? url.host}`]);
  return ours.has(origin);
}
