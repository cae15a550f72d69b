/**
 * Policies: the list, one policy (read and edited as its JSON document, saved through the REST
 * API so the API's validation answers, issue by issue), a new one, and deletion behind a
 * confirmation.
 */
import type { Hono } from "hono";
import { isApiError, type ApiErrorBody } from "../api.ts";
import type { ConsoleContext, ConsoleEnv, ConsoleVariables } from "../env.ts";
import { pageContext } from "../env.ts";
import { fmtTime } from "../format.ts";
import { Csrf, Layout, type PageContext } from "../views/layout.tsx";

const POLICY_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Fields the API returns but does not take back: left out of the editable document. */
const READ_ONLY = ["id", "version", "createdDate", "lastUpdate", "_links"];

interface PolicyJson {
  id: string;
  name: string;
  platform: string;
  version: number;
  createdDate: string;
  lastUpdate: string;
  [key: string]: unknown;
}

const TEMPLATE = JSON.stringify(
  { name: "Linux baseline", platform: "LINUX", diskEncryptionType: { include: ["ALL_INTERNAL_VOLUMES"] }, firewallEnabled: true, gracePeriod: { type: "BY_DURATION", expiry: "P7D" } },
  null,
  2,
);

function editable(p: PolicyJson): string {
  return JSON.stringify(Object.fromEntries(Object.entries(p).filter(([k]) => !READ_ONLY.includes(k))), null, 2);
}

function Issues(props: { error: ApiErrorBody["error"] | null }) {
  if (!props.error) return null;
  return (
    <div class="notice error" role="alert" id="policy-errors">
      <p>{props.error.message}</p>
      {props.error.issues && props.error.issues.length > 0 ? (
        <ul>{props.error.issues.map((i) => <li><code>{i.path || "(policy)"}</code>: {i.message}</li>)}</ul>
      ) : null}
    </div>
  );
}

function Editor(props: { ctx: PageContext; action: string; text: string; error: ApiErrorBody["error"] | null; submit: string }) {
  return (
    <form method="post" action={props.action} class="editor">
      <Csrf ctx={props.ctx} />
      <Issues error={props.error} />
      <label for="policy-json">Policy document (JSON, Okta's device assurance fields; see docs/policies.md)</label>
      <textarea id="policy-json" name="policy" rows={18} spellcheck={false} aria-describedby={props.error ? "policy-errors" : undefined}>{props.text}</textarea>
      <button type="submit">{props.submit}</button>
    </form>
  );
}

export function mountPolicyPages(app: Hono<{ Variables: ConsoleVariables }>, env: ConsoleEnv): void {
  app.get("/console/policies", async (c) => {
    const list = await env.rest<PolicyJson[]>(c.get("session"), "GET", "/v1/device-assurances");
    const ctx = pageContext(c, "policies");
    return c.html(
      <Layout title="Policies" ctx={ctx}>
        <h1>Policies</h1>
        <p><a class="button" href="/console/new-policy">New policy</a></p>
        {list.body.length === 0 ? <p class="empty">No policy yet: every sign-in check fails until one applies.</p> : (
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Platform</th><th scope="col">Version</th><th scope="col">Requires</th><th scope="col">Last change</th></tr></thead>
            <tbody>
              {list.body.map((p) => (
                <tr>
                  <th scope="row"><a href={`/console/policies/${encodeURIComponent(p.id)}`}>{p.name}</a></th>
                  <td>{p.platform}</td>
                  <td>{p.version}</td>
                  <td>{Object.keys(p).filter((k) => !READ_ONLY.includes(k) && k !== "name" && k !== "platform").join(", ") || "—"}</td>
                  <td>{fmtTime(p.lastUpdate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Layout>,
    );
  });

  // Not `/console/policies/new` beside `/console/policies/:id`: why in test/connector/router.test.ts.
  app.get("/console/new-policy", (c) => {
    const ctx = pageContext(c, "policies");
    return c.html(
      <Layout title="New policy" ctx={ctx}>
        <p class="crumbs"><a href="/console/policies">Policies</a> › new</p>
        <h1>New policy</h1>
        <Editor ctx={ctx} action="/console/policies" text={TEMPLATE} error={null} submit="Create policy" />
      </Layout>,
    );
  });

  /** The form's text as JSON, or the API-shaped error saying it is not JSON. */
  function parseForm(text: unknown): { ok: true; value: unknown } | { ok: false; error: ApiErrorBody["error"] } {
    try {
      return { ok: true, value: JSON.parse(typeof text === "string" ? text : "") };
    } catch (error) {
      return { ok: false, error: { code: "bad_request", message: `The document is not valid JSON: ${(error as Error).message}` } };
    }
  }

  app.post("/console/policies", async (c) => {
    const form = await c.req.parseBody();
    const ctx = pageContext(c, "policies");
    const parsed = parseForm(form.policy);
    const answer = parsed.ok ? await env.rest<PolicyJson | ApiErrorBody>(c.get("session"), "POST", "/v1/device-assurances", parsed.value) : null;
    if (answer && !isApiError(answer.body)) return c.redirect(`/console/policies/${encodeURIComponent(answer.body.id)}?notice=policy-created`, 303);
    const error = answer && isApiError(answer.body) ? answer.body.error : parsed.ok ? null : parsed.error;
    return c.html(
      <Layout title="New policy" ctx={ctx}>
        <p class="crumbs"><a href="/console/policies">Policies</a> › new</p>
        <h1>New policy</h1>
        <Editor ctx={ctx} action="/console/policies" text={String(form.policy ?? "")} error={error} submit="Create policy" />
      </Layout>,
      400,
    );
  });

  async function policyPage(c: ConsoleContext, id: string, text: string | null, error: ApiErrorBody["error"] | null) {
    const ctx = pageContext(c, "policies");
    const answer = await env.rest<PolicyJson | ApiErrorBody>(c.get("session"), "GET", `/v1/device-assurances/${encodeURIComponent(id)}`);
    if (isApiError(answer.body)) return c.html(<Layout title="Not found" ctx={ctx}><h1>No such policy</h1><p><a href="/console/policies">Back to policies</a></p></Layout>, 404);
    const p = answer.body;
    return c.html(
      <Layout title={p.name} ctx={ctx}>
        <p class="crumbs"><a href="/console/policies">Policies</a> › {p.name}</p>
        <h1>{p.name}</h1>
        <p class="muted">{p.platform} · version {p.version} · created {fmtTime(p.createdDate)} · last change {fmtTime(p.lastUpdate)} · id <code>{p.id}</code></p>
        <p><a href={`/console/devices?compliance=failing`}>Devices failing a policy</a> · <a href={`/console/events?type=device.assurance.policy.`}>Policy changes</a></p>
        <Editor ctx={ctx} action={`/console/policies/${encodeURIComponent(p.id)}`} text={text ?? editable(p)} error={error} submit="Save changes" />
        <form method="get" action={`/console/policies/${encodeURIComponent(p.id)}/delete`} class="danger-zone">
          <button type="submit" class="danger">Delete this policy…</button>
        </form>
      </Layout>,
      error ? 400 : 200,
    );
  }

  app.get("/console/policies/:id", async (c) => {
    const id = c.req.param("id");
    if (!POLICY_ID.test(id)) return c.redirect("/console/policies", 303);
    return policyPage(c, id, null, null);
  });

  app.post("/console/policies/:id", async (c) => {
    const id = c.req.param("id");
    if (!POLICY_ID.test(id)) return c.redirect("/console/policies", 303);
    const form = await c.req.parseBody();
    const parsed = parseForm(form.policy);
    if (!parsed.ok) return policyPage(c, id, String(form.policy ?? ""), parsed.error);
    const answer = await env.rest<PolicyJson | ApiErrorBody>(c.get("session"), "PUT", `/v1/device-assurances/${encodeURIComponent(id)}`, parsed.value);
    if (isApiError(answer.body)) return policyPage(c, id, String(form.policy), answer.body.error);
    return c.redirect(`/console/policies/${encodeURIComponent(id)}?notice=policy-saved`, 303);
  });

  app.get("/console/policies/:id/delete", async (c) => {
    const id = c.req.param("id");
    const ctx = pageContext(c, "policies");
    const answer = POLICY_ID.test(id) ? await env.rest<PolicyJson | ApiErrorBody>(c.get("session"), "GET", `/v1/device-assurances/${encodeURIComponent(id)}`) : null;
    if (!answer || isApiError(answer.body)) return c.redirect("/console/policies", 303);
    return c.html(
      <Layout title="Delete policy" ctx={ctx}>
        <section class="confirm">
          <h1>Delete “{answer.body.name}”?</h1>
          <p>Its stored results go with it. Devices are no longer checked against it at sign-in.</p>
          <form method="post" action={`/console/policies/${encodeURIComponent(id)}/delete`}>
            <Csrf ctx={ctx} />
            <button type="submit" class="danger">Yes, delete</button> <a href={`/console/policies/${encodeURIComponent(id)}`}>Cancel</a>
          </form>
        </section>
      </Layout>,
    );
  });

  app.post("/console/policies/:id/delete", async (c) => {
    const id = c.req.param("id");
    if (POLICY_ID.test(id)) await env.rest<unknown>(c.get("session"), "DELETE", `/v1/device-assurances/${encodeURIComponent(id)}`);
    return c.redirect("/console/policies?notice=policy-deleted", 303);
  });
}
