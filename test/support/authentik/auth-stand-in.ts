/**
 * A stand-in for authentik behind the reverse proxy: for each sign-in request it runs the exact
 * expression policy from docs/integrations/authentik.md (python3 + requests, harness.py) with the
 * request's headers in `request.http_request.META`, named as Django names them
 * (`X-SSL-Client-Cert` → `HTTP_X_SSL_CLIENT_CERT`), as authentik would, and answers a page
 * showing the verdict and every `ak_message`. It listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { runDocPolicy, type PolicyOutcome, type PolicySettings } from "./doc-policy.ts";

export interface SignInRecord {
  /** The raw header value the proxy forwarded, or undefined when it sent none. */
  forwardedCert: string | undefined;
  outcome: PolicyOutcome;
}

export interface AuthStandIn {
  port: number;
  requests: SignInRecord[];
  stop(): Promise<void>;
}

/** Django's META for a request's headers: `HTTP_` + upper case, `-` → `_`. */
export function djangoMeta(req: IncomingMessage): Record<string, string> {
  const meta: Record<string, string> = { REQUEST_METHOD: req.method ?? "GET", PATH_INFO: new URL(req.url ?? "/", "http://x").pathname };
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value !== "string") continue;
    meta[`HTTP_${name.toUpperCase().replace(/-/g, "_")}`] = value;
  }
  return meta;
}

export interface AuthStandInOptions {
  dir: string;
  settings: PolicySettings;
  /** The user authentik has identified by the time the Deny stage runs (`pending_user`), per request. */
  pendingUser?: (req: IncomingMessage) => string | undefined;
}

export async function startAuthStandIn(options: AuthStandInOptions): Promise<AuthStandIn> {
  const requests: SignInRecord[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url === "/favicon.ico") {
      res.writeHead(404).end();
      return;
    }
    const username = options.pendingUser?.(req);
    const meta = djangoMeta(req);
    runDocPolicy(options.dir, options.settings, username !== undefined ? { pending_user: { username } } : {}, meta).then(
      (outcome) => {
        requests.push({ forwardedCert: req.headers["x-ssl-client-cert"] as string | undefined, outcome });
        const verdict = outcome.passing === true ? "SIGNED IN" : "ACCESS DENIED";
        res.writeHead(outcome.passing === true ? 200 : 403, { "content-type": "text/html; charset=utf-8" });
        res.end(`<!doctype html><title>${verdict}</title><body style="font-family:sans-serif">
<h1 id="verdict">${verdict}</h1>
<ul id="messages">${outcome.messages.map((m) => `<li>${escapeHtml(m)}</li>`).join("")}</ul>
<p id="certificate">${req.headers["x-ssl-client-cert"] ? "client certificate forwarded by the proxy" : "no client certificate"}</p>
</body>`);
      },
      (error: Error) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`stand-in failed: ${error.message}`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
