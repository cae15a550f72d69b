/** Sign-in with an admin API token, and sign-out. */
import type { Hono } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { hashSecret } from "../../tokens/secrets.ts";
import type { ConsoleEnv, ConsoleVariables } from "../env.ts";
import { cookieName, isHttps } from "../security.ts";
import { IDLE_MS } from "../session.ts";
import { Layout } from "../views/layout.tsx";

const BEARER_SECRET = /^[A-Za-z0-9\-._~+/]{8,256}=*$/;

function SignInPage(props: { error?: string }) {
  return (
    <Layout title="Sign in" ctx={{ who: null, csrf: null }}>
      <section class="sign-in">
        <h1>Sign in to Facet</h1>
        <p>Paste an API token that holds the <code>admin</code> scope (create one with <code>facet tokens create --api --name NAME --scope admin</code>).</p>
        {props.error ? <p class="notice error" role="alert" id="sign-in-error">{props.error}</p> : null}
        <form method="post" action="/console/sign-in">
          <label for="token">API token</label>
          <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} required maxlength={300}
            aria-describedby={props.error ? "sign-in-error" : undefined} />
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">Not done yet: sign-in through your identity provider (OIDC).</p>
      </section>
    </Layout>
  );
}

export function mountSignIn(app: Hono<{ Variables: ConsoleVariables }>, env: ConsoleEnv): void {
  const { store } = env.deps;

  app.get("/console/sign-in", (c) => c.html(<SignInPage />));

  app.post("/console/sign-in", async (c) => {
    const form = await c.req.parseBody();
    const secret = typeof form.token === "string" ? form.token.trim() : "";
    const token = BEARER_SECRET.test(secret) ? await store.findApiTokenByHash(hashSecret(secret)) : null;
    if (!token) return c.html(<SignInPage error="That token is unknown or revoked." />, 401);
    if (!token.scopes.includes("admin")) return c.html(<SignInPage error="That token lacks the admin scope the console needs." />, 403);
    const { id } = env.sessions.create(token, secret);
    const secure = isHttps(c);
    setCookie(c, cookieName(secure), id, { path: "/", httpOnly: true, secure, sameSite: "Strict", maxAge: Math.floor(IDLE_MS / 1000) });
    await store.recordEvent({ type: "console.signed_in", at: env.deps.now(), deviceId: null, data: { by: token.id } });
    env.deps.log.info({ tokenId: token.id }, "console sign-in");
    return c.redirect("/console/devices", 303);
  });

  // Behind the session and CSRF checks (index.ts), like every other write.
  app.post("/console/sign-out", async (c) => {
    const secure = isHttps(c);
    env.sessions.end(getCookie(c, cookieName(secure)));
    deleteCookie(c, cookieName(secure), { path: "/", secure });
    await store.recordEvent({ type: "console.signed_out", at: env.deps.now(), deviceId: null, data: { by: c.get("session").tokenId } });
    return c.redirect("/console/sign-in", 303);
  });
}
