/**
 * The web console at /console: server-rendered pages (hono/jsx) for admins, one small script
 * module for what needs a browser (live refresh), no framework, no CDN. Mounted with one call:
 *
 *   mountConsole(app, deps)   // in connector/http/app.ts
 *
 * Order of the checks on every /console request: security headers; transport (https, or plain
 * http from loopback only); a body limit; then, outside sign-in and the static files, a live
 * session whose token still holds `admin`; then, for every write, the same-origin check and the
 * session's CSRF token (form field `_csrf` or header `X-CSRF-Token`).
 */
import type { Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie } from "hono/cookie";
import type { HttpDeps } from "../http/deps.ts";
import { hashSecret } from "../tokens/secrets.ts";
import { restClient } from "./api.ts";
import { mountAssets } from "./assets.ts";
import type { ConsoleEnv, ConsoleVariables } from "./env.ts";
import { mountAdminPages } from "./routes/admin.tsx";
import { mountDevicePages } from "./routes/device.tsx";
import { mountFleetPage } from "./routes/fleet.tsx";
import { mountPolicyPages } from "./routes/policies.tsx";
import { mountSignIn } from "./routes/sign-in.tsx";
import { cookieName, isHttps, isLoopback, remoteAddress, sameOrigin, securityHeaders } from "./security.ts";
import { ConsoleSessions, csrfMatches } from "./session.ts";
import { PatchAgeCache } from "./patch-age.ts";

const MAX_FORM_BYTES = 64 * 1024;

export function mountConsole(app: Hono<any>, deps: HttpDeps): void {
  const consoleApp = app as Hono<{ Variables: ConsoleVariables }>;
  const env: ConsoleEnv = { deps, rest: restClient(app), sessions: new ConsoleSessions(deps.now), patchAges: new PatchAgeCache(deps) };

  consoleApp.use("/console", securityHeaders());
  consoleApp.use("/console/*", securityHeaders());
  const transport: MiddlewareHandler = async (c, next) => {
    if (!isHttps(c) && !isLoopback(remoteAddress(c))) {
      return c.text("The Facet console is served over https only (plain http is allowed from this host's loopback address).", 403);
    }
    return next();
  };
  consoleApp.use("/console", transport);
  consoleApp.use("/console/*", transport);
  consoleApp.use("/console/*", bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => c.text("The form is too large.", 413) }));
  consoleApp.get("/console", (c) => c.redirect("/console/devices", 302));
  mountAssets(consoleApp);

  consoleApp.use("/console/*", async (c, next) => {
    if (c.req.path === "/console/sign-in" || c.req.path.startsWith("/console/assets/")) return next();
    const writes = c.req.method !== "GET" && c.req.method !== "HEAD";
    const id = getCookie(c, cookieName(isHttps(c)));
    const session = env.sessions.get(id);
    // Revoking the token, or taking admin away, ends its console sessions at the next request.
    const token = session ? await deps.store.findApiTokenByHash(hashSecret(session.secret)) : null;
    if (!session || !token || !token.scopes.includes("admin")) {
      if (session) env.sessions.endAllOf(session.tokenId);
      if (writes || c.req.header("accept")?.includes("application/json")) return c.text("Sign in first.", 401);
      return c.redirect("/console/sign-in", 303);
    }
    if (writes) {
      const form = c.req.header("content-type")?.startsWith("application/x-www-form-urlencoded") ? await c.req.parseBody() : {};
      const presented = c.req.header("x-csrf-token") ?? (typeof form._csrf === "string" ? form._csrf : undefined);
      if (!sameOrigin(c) || !csrfMatches(session, presented)) {
        deps.log.warn({ tokenId: session.tokenId, path: c.req.path }, "console write refused: missing or wrong CSRF token");
        return c.text("Refused: this form is missing its CSRF token or came from another site. Reload the page and try again.", 403);
      }
    }
    c.set("session", session);
    c.set("sessionId", id!);
    return next();
  });

  mountSignIn(consoleApp, env);
  mountFleetPage(consoleApp, env);
  mountDevicePages(consoleApp, env);
  mountPolicyPages(consoleApp, env);
  mountAdminPages(consoleApp, env);
}
