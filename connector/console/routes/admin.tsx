/** Tokens (list, create, revoke behind a confirmation), the event log, the OS catalog's freshness. */
import type { Hono } from "hono";
import { z } from "zod";
import { isApiError, type ApiErrorBody } from "../api.ts";
import type { ConsoleContext, ConsoleEnv, ConsoleVariables } from "../env.ts";
import { pageContext } from "../env.ts";
import { fmtAgo, fmtTime } from "../format.ts";
import { Csrf, Layout, type PageContext } from "../views/layout.tsx";

const SCOPES = ["admin", "devices:read", "devices:refresh", "devices:write", "policies:read", "policies:write", "events:read", "endpoint:check", "tokens:write"] as const;
const TOKEN_ID = /^[A-Za-z0-9_-]{1,64}$/;

interface ApiTokenJson { id: string; name: string; scopes: string[]; created_at: string; revoked_at: string | null }
interface EnrollTokenJson { id: string; label: string | null; created_at: string; expires_at: string | null; max_uses: number | null; uses: number; revoked_at: string | null; state: string }

function TokensPage(props: { ctx: PageContext; api: ApiTokenJson[]; enroll: EnrollTokenJson[]; created?: { kind: string; secret: string } | null; error?: string | null; now: number }) {
  const { ctx } = props;
  return (
    <Layout title="Tokens" ctx={ctx}>
      <h1>Tokens</h1>
      {props.created ? (
        <div class="notice ok" role="status">
          <p>New {props.created.kind} token. Copy it now: it is shown only once.</p>
          <p><label for="new-secret">Secret</label> <input id="new-secret" class="secret" readonly value={props.created.secret} /></p>
        </div>
      ) : null}
      {props.error ? <p class="notice error" role="alert">{props.error}</p> : null}
      <div class="two-col">
        <section aria-labelledby="enroll-h">
          <h2 id="enroll-h">Enrollment tokens</h2>
          <table>
            <thead><tr><th scope="col">Label</th><th scope="col">State</th><th scope="col">Uses</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
            <tbody>
              {props.enroll.map((t) => (
                <tr>
                  <th scope="row">{t.label ?? <span class="muted">{t.id}</span>}</th>
                  <td>{t.state}</td>
                  <td>{t.uses}{t.max_uses !== null ? ` / ${t.max_uses}` : ""}</td>
                  <td>{t.expires_at ? fmtAgo(t.expires_at, props.now) : "never"}</td>
                  <td>{t.state === "active" ? <a href={`/console/tokens/enroll/${encodeURIComponent(t.id)}/revoke`}>Revoke…</a> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <form method="post" action="/console/tokens/enroll" class="inline-form">
            <Csrf ctx={ctx} />
            <h3>New enrollment token</h3>
            <label for="e-label">Label</label> <input id="e-label" name="label" maxlength={200} />
            <label for="e-uses">Uses</label> <input id="e-uses" name="max_uses" type="number" min={1} max={1000000} />
            <label for="e-days">Expires in (days)</label> <input id="e-days" name="days" type="number" min={1} max={3650} value="7" />
            <button type="submit">Create</button>
          </form>
        </section>
        <section aria-labelledby="api-h">
          <h2 id="api-h">API tokens</h2>
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
            <tbody>
              {props.api.map((t) => (
                <tr class={t.revoked_at ? "revoked" : undefined}>
                  <th scope="row">{t.name}<span class="sub">{t.id}</span></th>
                  <td>{t.scopes.join(", ")}</td>
                  <td>{fmtTime(t.created_at)}{t.revoked_at ? <span class="sub">revoked {fmtTime(t.revoked_at)}</span> : null}</td>
                  <td>{t.revoked_at ? null : <a href={`/console/tokens/api/${encodeURIComponent(t.id)}/revoke`}>Revoke…</a>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <form method="post" action="/console/tokens/api" class="inline-form">
            <Csrf ctx={ctx} />
            <h3>New API token</h3>
            <label for="a-name">Name</label> <input id="a-name" name="name" required maxlength={200} />
            <fieldset>
              <legend>Scopes</legend>
              {SCOPES.map((s) => (
                <span class="check"><input type="checkbox" id={`s-${s}`} name="scopes" value={s} /> <label for={`s-${s}`}>{s}</label></span>
              ))}
            </fieldset>
            <button type="submit">Create</button>
          </form>
        </section>
      </div>
    </Layout>
  );
}

const EventQuerySchema = z.object({
  type: z.string().trim().max(200).optional().transform((v) => v || undefined),
  device: z.string().trim().max(128).optional().transform((v) => v || undefined),
  since: z.enum(["1h", "24h", "7d", "30d", "all"]).optional().catch(undefined),
  cursor: z.coerce.number().int().nonnegative().optional().catch(undefined),
});
const SINCE_MS: Record<string, number> = { "1h": 3600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

export function mountAdminPages(app: Hono<{ Variables: ConsoleVariables }>, env: ConsoleEnv): void {
  async function tokensPage(c: ConsoleContext, extra: { created?: { kind: string; secret: string }; error?: string } = {}) {
    const session = c.get("session");
    const [api, enroll] = await Promise.all([
      env.rest<{ tokens: ApiTokenJson[] }>(session, "GET", "/v1/tokens/api"),
      env.rest<{ tokens: EnrollTokenJson[] }>(session, "GET", "/v1/tokens/enroll"),
    ]);
    return c.html(<TokensPage ctx={pageContext(c, "tokens")} api={api.body.tokens} enroll={enroll.body.tokens.slice(-100).reverse()} now={env.deps.now()} {...extra} />, extra.error ? 400 : 200);
  }

  app.get("/console/tokens", (c) => tokensPage(c));

  app.post("/console/tokens/enroll", async (c) => {
    const form = await c.req.parseBody();
    const body: Record<string, unknown> = {};
    if (typeof form.label === "string" && form.label.trim()) body.label = form.label.trim();
    if (typeof form.max_uses === "string" && form.max_uses) body.max_uses = Number(form.max_uses);
    if (typeof form.days === "string" && form.days) body.expires_in = Math.round(Number(form.days) * 86_400);
    const answer = await env.rest<{ token: string } | ApiErrorBody>(c.get("session"), "POST", "/v1/tokens/enroll", body);
    if (isApiError(answer.body)) return tokensPage(c, { error: answer.body.error.message });
    return tokensPage(c, { created: { kind: "enrollment", secret: answer.body.token } });
  });

  app.post("/console/tokens/api", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const scopes = ([] as unknown[]).concat(form.scopes ?? []).filter((s): s is string => typeof s === "string");
    const answer = await env.rest<{ token: string } | ApiErrorBody>(c.get("session"), "POST", "/v1/tokens/api", { name: typeof form.name === "string" ? form.name.trim() : "", scopes });
    if (isApiError(answer.body)) return tokensPage(c, { error: answer.body.error.message });
    return tokensPage(c, { created: { kind: "API", secret: answer.body.token } });
  });

  // A route per kind, not `:kind` beside `/console/tokens/enroll`: why in test/connector/router.test.ts.
  for (const kind of ["enroll", "api"] as const) {
    app.get(`/console/tokens/${kind}/:id/revoke`, (c) => {
      const id = c.req.param("id");
      if (!TOKEN_ID.test(id)) return c.redirect("/console/tokens", 303);
      const ctx = pageContext(c, "tokens");
      const own = kind === "api" && id === c.get("session").tokenId;
      return c.html(
        <Layout title="Revoke token" ctx={ctx}>
          <section class="confirm">
            <h1>Revoke {kind === "api" ? "API" : "enrollment"} token <code>{id}</code>?</h1>
            <p>{kind === "api" ? "Every client using it is refused from its next request." : "Devices can no longer enroll with it; devices already enrolled are not affected."}</p>
            {own ? <p class="notice error">This is the token you signed in with: revoking it signs you out.</p> : null}
            <form method="post" action={`/console/tokens/${kind}/${encodeURIComponent(id)}/revoke`}>
              <Csrf ctx={ctx} />
              <button type="submit" class="danger">Yes, revoke</button> <a href="/console/tokens">Cancel</a>
            </form>
          </section>
        </Layout>,
      );
    });

    app.post(`/console/tokens/${kind}/:id/revoke`, async (c) => {
      const id = c.req.param("id");
      if (TOKEN_ID.test(id)) await env.rest<unknown>(c.get("session"), "POST", `/v1/tokens/${kind}/${encodeURIComponent(id)}/revoke`);
      return c.redirect("/console/tokens?notice=token-revoked", 303);
    });
  }

  app.get("/console/events", async (c) => {
    const q = EventQuerySchema.parse(c.req.query());
    const since = q.since ?? "24h";
    const params = new URLSearchParams({ limit: "100" });
    if (q.type) params.set("type", q.type);
    if (q.device) params.set("device", q.device);
    if (since !== "all") params.set("since", String(env.deps.now() - SINCE_MS[since]!));
    if (q.cursor !== undefined) params.set("cursor", String(q.cursor));
    const answer = await env.rest<{ events: { id: number; type: string; at: string; device_id: string | null; data: Record<string, unknown> }[]; next_cursor: number | null } | ApiErrorBody>(c.get("session"), "GET", `/v1/events?${params}`);
    const ctx = pageContext(c, "events");
    const next = new URLSearchParams({ ...(q.type ? { type: q.type } : {}), ...(q.device ? { device: q.device } : {}), since });
    return c.html(
      <Layout title="Events" ctx={ctx}>
        <h1>Events</h1>
        <form method="get" action="/console/events" class="filters" role="search">
          <div><label for="ev-type">Type</label><input id="ev-type" name="type" value={q.type ?? ""} placeholder="device.  or  device.revoked,token.created" /></div>
          <div><label for="ev-device">Device id</label><input id="ev-device" name="device" value={q.device ?? ""} /></div>
          <div>
            <label for="ev-since">Since</label>
            <select id="ev-since" name="since">
              {(["1h", "24h", "7d", "30d", "all"] as const).map((s) => <option value={s} selected={s === since}>{s === "all" ? "the beginning" : `the last ${s}`}</option>)}
            </select>
          </div>
          <div class="actions"><button type="submit">Apply</button></div>
        </form>
        {isApiError(answer.body) ? <p class="notice error" role="alert">{answer.body.error.message}</p> : (
          <div>
            <p class="muted">Oldest first. A type ending in “.” matches every type it starts.</p>
            <table class="events-table">
              <thead><tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Device</th><th scope="col">Details</th></tr></thead>
              <tbody>
                {answer.body.events.map((e) => (
                  <tr>
                    <td>{fmtTime(e.at)}</td>
                    <th scope="row"><code>{e.type}</code></th>
                    <td>{e.device_id ? <a href={`/console/devices/${encodeURIComponent(e.device_id)}`}>{e.device_id.slice(0, 8)}</a> : "—"}</td>
                    <td><code class="data">{JSON.stringify(e.data).slice(0, 300)}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
            {answer.body.events.length === 0 ? <p class="empty">No events match.</p> : null}
            {answer.body.next_cursor !== null ? <p><a rel="next" href={`/console/events?${next}&cursor=${answer.body.next_cursor}`}>Later events »</a></p> : null}
          </div>
        )}
      </Layout>,
    );
  });

  app.get("/console/os-catalog", async (c) => {
    const answer = await env.rest<{
      source: string;
      freshness: { version: string; publishedAt: string; ageDays: number; maxAgeDays: number; staleFrom: string; stale: boolean; datedInFuture: boolean };
      catalog: { macos: { major: number; name: string; latest: string; supported: boolean }[]; windows: { product: string; release: string; build: number; updates: { ubr: number; date?: string }[] }[]; linux: { id: string; names: string[]; releases: { version?: string; name?: string }[] }[] };
    }>(c.get("session"), "GET", "/v1/os-catalog");
    const { source, freshness: f, catalog } = answer.body;
    const ctx = pageContext(c, "catalog");
    return c.html(
      <Layout title="OS catalog" ctx={ctx}>
        <h1>OS release catalog</h1>
        <p class={`notice ${f.stale ? "error" : "ok"}`} role="status">
          {f.stale
            ? `Stale: catalog ${f.version} (${source}) was published ${f.publishedAt}, ${f.ageDays} days ago, past the ${f.maxAgeDays}-day limit. Checks against “latest” answer UNKNOWN until a newer catalog is imported (facet os-catalog import <file>).`
            : `Fresh: catalog ${f.version} (${source}) was published ${f.publishedAt}, ${f.ageDays} days ago; it goes stale on ${f.staleFrom}.`}
        </p>
        <table>
          <thead><tr><th scope="col">Source</th><th scope="col">Entries</th><th scope="col">Newest</th></tr></thead>
          <tbody>
            <tr><th scope="row">macOS</th><td>{catalog.macos.length} majors</td><td>{catalog.macos.filter((m) => m.supported).map((m) => `${m.name} ${m.latest}`).join(", ")}</td></tr>
            <tr><th scope="row">Windows</th><td>{catalog.windows.length} releases</td><td>{catalog.windows.slice(0, 4).map((w) => `${w.product.replace("WINDOWS_", "Windows ")} ${w.release} (${w.build}.${Math.max(...w.updates.map((u) => u.ubr))})`).join(", ")}</td></tr>
            <tr><th scope="row">Linux</th><td>{catalog.linux.length} distributions</td><td>{catalog.linux.map((l) => `${l.names[0]} (${l.releases.length})`).join(", ")}</td></tr>
          </tbody>
        </table>
      </Layout>,
    );
  });
}
