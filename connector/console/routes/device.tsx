/**
 * A device: identity, actions (each behind a confirmation page), policy results with reasons
 * and grace deadlines, compliance over time, facts as a tree, snapshot history with a diff
 * between any two snapshots, recent events.
 */
import type { Hono } from "hono";
import { z } from "zod";
import type { DeviceView } from "../../lookup/device-view.ts";
import type { CheckResult } from "../../policy/types.ts";
import type { FactEvent, StoredSnapshot } from "../../store/types.ts";
import { isApiError, type ApiErrorBody } from "../api.ts";
import { UsernameSchema } from "../../signin/request.ts";
import { CERTIFICATE_ISSUED_EVENT } from "../../device-ca/issue.ts";
import { FACET_VENDOR_KEY } from "../../../shared/facts/schema.ts";
import type { ConsoleEnv, ConsoleVariables } from "../env.ts";
import { pageContext } from "../env.ts";
import { fmtAgo, fmtTime, fmtValue } from "../format.ts";
import { diffFacts } from "../snapshot-diff.ts";
import { FactsTree } from "../views/facts-tree.tsx";
import { Csrf, Layout, Verdict, type PageContext } from "../views/layout.tsx";
import { ComplianceTimeline, type TimelineRow } from "../views/plots.tsx";

const HISTORY = 20;
const TIMELINE_DAYS = 14;
const DEVICE_ID = /^[A-Za-z0-9_-]{1,128}$/;

interface PolicyEvaluationJson {
  policyId: string;
  name: string;
  platform: string;
  applicable: boolean;
  result: string;
  passing: boolean;
  factsAge: number | null;
  checks: CheckResult[];
}

const DeviceQuerySchema = z.object({
  from: z.coerce.number().int().nonnegative().optional().catch(undefined),
  to: z.coerce.number().int().nonnegative().optional().catch(undefined),
  awaiting: z.coerce.number().int().nonnegative().optional().catch(undefined),
  arrived: z.coerce.number().int().nonnegative().optional().catch(undefined),
});

function PolicyResults(props: { evaluations: PolicyEvaluationJson[] | null; error: string | null }) {
  if (props.error) return <p class="muted">{props.error}</p>;
  const applicable = (props.evaluations ?? []).filter((e) => e.applicable);
  if (applicable.length === 0) return <p class="muted">No policy applies to this device's platform.</p>;
  return (
    <div>
      {applicable.map((e) => (
        <article class="policy-result" aria-labelledby={`pr-${e.policyId}`}>
          <h3 id={`pr-${e.policyId}`}>
            <a href={`/console/policies/${encodeURIComponent(e.policyId)}`}>{e.name}</a> <Verdict result={e.result} />
            <span class="muted">{e.passing ? " passes" : " does not pass"}</span>
          </h3>
          <table class="checks">
            <thead>
              <tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Observed</th><th scope="col">Expected</th><th scope="col">Why</th><th scope="col">Grace until</th></tr>
            </thead>
            <tbody>
              {e.checks.map((ch) => (
                <tr class={ch.status !== "PASS" ? "attention" : undefined}>
                  <th scope="row"><code>{ch.check}</code></th>
                  <td><Verdict result={ch.graceUntil && ch.status === "FAIL" ? "GRACE" : ch.status} /></td>
                  <td>{fmtValue(ch.observed)}</td>
                  <td>{fmtValue(ch.expected)}</td>
                  <td>
                    {ch.message ?? "—"}
                    {ch.remediation ? <span class="sub">Fix: {ch.remediation}</span> : null}
                    {ch.firstFailedAt ? <span class="sub">failing since {fmtTime(ch.firstFailedAt)}</span> : null}
                  </td>
                  <td>{ch.graceUntil ? fmtTime(ch.graceUntil) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </article>
      ))}
    </div>
  );
}

/** Per policy, the results in force over the window, from `device.compliance.changed` events. */
function timelineRows(events: FactEvent[], start: number, names: Map<string, string>, current: Map<string, string>): TimelineRow[] {
  const byPolicy = new Map<string, { from: number; result: string }[]>();
  for (const e of events) {
    if (e.type !== "device.compliance.changed") continue;
    const data = e.data as { policyId?: string; policyName?: string; result?: string; previous?: { result?: string } | null };
    if (!data.policyId || !data.result) continue;
    if (data.policyName) names.set(data.policyId, data.policyName);
    const segments = byPolicy.get(data.policyId) ?? [];
    if (segments.length === 0) segments.push({ from: start, result: data.previous?.result ?? "not evaluated" });
    segments.push({ from: e.at, result: data.result });
    byPolicy.set(data.policyId, segments);
  }
  for (const [policyId, result] of current) if (!byPolicy.has(policyId)) byPolicy.set(policyId, [{ from: start, result }]);
  return [...byPolicy].map(([policyId, segments]) => ({ label: names.get(policyId) ?? policyId, segments }));
}

function History(props: { id: string; history: StoredSnapshot[]; from: number | undefined; to: number | undefined; arrived: number | undefined; now: number }) {
  const { history } = props;
  if (history.length === 0) return <p class="muted">No snapshot yet.</p>;
  return (
    <form method="get" action={`/console/devices/${encodeURIComponent(props.id)}`} class="history">
      <table>
        <caption class="sr-only">Snapshots, newest first; choose two to compare</caption>
        <thead>
          <tr><th scope="col">Seq</th><th scope="col">Collected</th><th scope="col">Received</th><th scope="col">Compare from</th><th scope="col">to</th></tr>
        </thead>
        <tbody>
          {history.map((s) => (
            <tr class={props.arrived === s.seq ? "arrived" : undefined} data-seq={String(s.seq)}>
              <th scope="row">#{s.seq}{props.arrived === s.seq ? <span class="tag new">new</span> : null}</th>
              <td title={fmtTime(s.collectedAt)}>{fmtAgo(s.collectedAt, props.now)}</td>
              <td>{fmtTime(s.receivedAt)}</td>
              <td><input type="radio" name="from" value={String(s.seq)} checked={props.from === s.seq} aria-label={`compare from #${s.seq}`} /></td>
              <td><input type="radio" name="to" value={String(s.seq)} checked={props.to === s.seq} aria-label={`compare to #${s.seq}`} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="submit">Compare</button>
    </form>
  );
}

const short = (v: unknown) => {
  const text = fmtValue(v);
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
};

/** The changes grouped by fact family; long groups (processes, software) start folded. */
function Diff(props: { older: StoredSnapshot; newer: StoredSnapshot }) {
  const facts = diffFacts(props.older.facts, props.newer.facts);
  const unknown = diffFacts(props.older.unknown, props.newer.unknown, 200);
  const rows = [...facts.changes, ...unknown.changes.map((c) => ({ ...c, path: `unknown["${c.path}"]` }))];
  const groups = new Map<string, typeof rows>();
  for (const row of rows) {
    const family = row.path.startsWith("unknown[") ? "unknown reasons" : row.path.split(/[.[]/)[0]!;
    groups.set(family, [...(groups.get(family) ?? []), row]);
  }
  const tally = (list: typeof rows) =>
    (["added", "removed", "changed"] as const).map((k) => [k, list.filter((r) => r.kind === k).length] as const).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ");
  return (
    <section aria-labelledby="diff-h" id="diff">
      <h2 id="diff-h">Changes from #{props.older.seq} to #{props.newer.seq}</h2>
      {rows.length === 0 ? <p class="muted">The two snapshots report the same facts.</p> : <p class="muted">{rows.length} changes: {tally(rows)}.</p>}
      {[...groups].map(([family, list]) => (
        <details class="diff-group" open={list.length <= 15}>
          <summary><strong>{family}</strong> <span class="muted">— {tally(list)}</span></summary>
          <table class="diff">
            <thead><tr><th scope="col">Fact</th><th scope="col">Change</th><th scope="col">#{props.older.seq}</th><th scope="col">#{props.newer.seq}</th></tr></thead>
            <tbody>
              {list.map((c) => (
                <tr class={`d-${c.kind}`}>
                  <th scope="row"><code>{c.path}</code></th>
                  <td>{c.kind}</td>
                  <td>{"before" in c ? short(c.before) : ""}</td>
                  <td>{"after" in c ? short(c.after) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
      {facts.more + unknown.more > 0 ? <p class="muted">… and {facts.more + unknown.more} more changes.</p> : null}
    </section>
  );
}

interface DevicePageData {
  view: DeviceView;
  revokedAt: number | null;
  enrolledAt: number;
  lastSeq: number;
  claimedUser: string | null;
  evaluations: PolicyEvaluationJson[] | null;
  evaluationError: string | null;
  history: StoredSnapshot[];
  events: FactEvent[];
  users: DeviceUsersJson | null;
  /** The latest `device.certificate_issued` event. */
  certificate: FactEvent | null;
}

/** What the connector issued (from its audit event) beside what the agent says it installed. */
function Certificate(props: { issued: FactEvent | null; view: DeviceView; revoked: boolean; now: number }) {
  const issued = props.issued?.data as { serialNumber?: string; notAfter?: string } | undefined;
  const facts = props.view.cached_facts;
  const vendor = facts?.data.vendor?.[FACET_VENDOR_KEY] as { device_certificate?: { key_trust_level?: string | null; not_after?: string | null; stores?: string[] | null } } | undefined;
  const installed = vendor?.device_certificate;
  const path = `vendor.${FACET_VENDOR_KEY}.device_certificate`;
  const reason = (k: string) => facts?.unknown[`${path}.${k}`];
  const expired = issued?.notAfter ? Date.parse(issued.notAfter) <= props.now : false;
  return (
    <dl class="facts-list">
      <dt>Issued</dt>
      <dd>
        {props.issued && issued ? (
          <span>
            serial <code>{issued.serialNumber ?? "?"}</code> on {fmtTime(props.issued.at)}, valid until {fmtTime(issued.notAfter ?? null)}{" "}
            {props.revoked ? <span class="tag revoked">not accepted: device revoked</span> : expired ? <span class="tag stale">expired</span> : <span class="tag new">valid</span>}
          </span>
        ) : <span class="muted">No certificate has been issued to this device yet.</span>}
      </dd>
      <dt>Installed (as the agent reports)</dt>
      <dd>
        {installed ? (
          <span>
            key kept in {installed.key_trust_level ?? <span class="reason">unknown — {reason("key_trust_level") ?? "no reason recorded"}</span>}
            {installed.stores && installed.stores.length > 0 ? <span class="sub">stores: {installed.stores.join(", ")}</span> : null}
            {installed.not_after ? <span class="sub">installed certificate valid until {fmtTime(installed.not_after)}</span> : null}
          </span>
        ) : <span class="muted">{reason("key_trust_level") ?? "The agent's facts carry no certificate record."}</span>}
      </dd>
    </dl>
  );
}

interface DeviceUsersJson {
  bound: { username: string; source: string; bound_by: string; bound_at: string }[];
  claimed: { console_user_at_enrollment: string | null; users_reported: string[] };
}

const SOURCES: Record<string, string> = { admin: "an admin", enrollment: "its enrollment token", idp: "the identity provider at a sign-in" };

function Users(props: { ctx: PageContext; id: string; users: DeviceUsersJson | null; live: boolean }) {
  const { users } = props;
  if (!users) return <p class="muted">The bound users could not be read.</p>;
  const claimed = [...new Set([users.claimed.console_user_at_enrollment, ...users.claimed.users_reported].filter((u): u is string => !!u))];
  return (
    <div>
      {users.bound.length === 0 ? <p class="muted">No user is bound to this device: no sign-in can be judged on it by username.</p> : (
        <table class="users">
          <thead><tr><th scope="col">User</th><th scope="col">Bound by</th><th scope="col">When</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
          <tbody>
            {users.bound.map((b) => (
              <tr>
                <th scope="row">{b.username}</th>
                <td>{SOURCES[b.source] ?? b.source} <span class="sub">{b.bound_by}</span></td>
                <td>{fmtTime(b.bound_at)}</td>
                <td><a href={`/console/devices/${encodeURIComponent(props.id)}/confirm?action=unassign&user=${encodeURIComponent(b.username)}`}>Unassign…</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted">Claimed by the device itself (shown, never used for a verdict): {claimed.length > 0 ? claimed.slice(0, 12).join(", ") + (claimed.length > 12 ? ` and ${claimed.length - 12} more` : "") : "nobody"}.</p>
      {props.live ? (
        <form method="get" action={`/console/devices/${encodeURIComponent(props.id)}/confirm`} class="inline-form">
          <input type="hidden" name="action" value="assign" />
          <label for="assign-user">Assign a user</label>
          <input id="assign-user" name="user" required maxlength={256} autocomplete="off" />
          <button type="submit">Assign…</button>
        </form>
      ) : null}
    </div>
  );
}

function DevicePage(props: { ctx: PageContext; data: DevicePageData; query: z.infer<typeof DeviceQuerySchema>; now: number }) {
  const { data, query, now } = props;
  const v = data.view;
  const name = v.name ?? v.id;
  const live = data.revokedAt === null;
  const newest = data.history[0];
  const to = data.history.find((s) => s.seq === query.to) ?? newest;
  const from = data.history.find((s) => s.seq === query.from) ?? data.history.find((s) => to && s.seq < to.seq);
  const windowStart = now - TIMELINE_DAYS * 86_400_000;
  // Before enrollment there is nothing to draw: a device enrolled an hour ago gets an hour-long bar.
  const start = Math.max(windowStart, data.enrolledAt);
  const current = new Map((data.evaluations ?? []).filter((e) => e.applicable).map((e) => [e.policyId, e.result]));
  const rows = timelineRows(data.events, start, new Map((data.evaluations ?? []).map((e) => [e.policyId, e.name])), current);
  const failing = (data.evaluations ?? []).filter((e) => e.applicable && !e.passing).length;
  return (
    <Layout title={name} ctx={props.ctx}>
      <p class="crumbs"><a href="/console/devices">Devices</a> › {name}</p>
      <header class="device-head">
        <div>
          <h1>{name}</h1>
          <p class="muted">
            {[
              v.platform ?? "unknown platform",
              [v.cached_facts?.data.os?.name, v.cached_facts?.data.os?.version].filter(Boolean).join(" "),
              [v.manufacturer, v.model].filter(Boolean).join(" "),
              `serial ${v.identifier ?? "unknown"}`,
            ].filter(Boolean).join(" · ")}
          </p>
          <p>
            {live ? (v.connected ? <span class="dot on">connected</span> : <span class="dot off">offline</span>) : <span class="tag revoked">revoked {fmtTime(data.revokedAt)}</span>}
            {" · "}last seen <span title={fmtTime(v.last_seen)}>{fmtAgo(v.last_seen, now)}</span>
            {" · "}facts expire {v.cached_facts ? fmtAgo(v.cached_facts.expires, now) : "—"}
            {" · "}enrolled {fmtTime(data.enrolledAt)}
          </p>
          <p class="muted">id <code>{v.id}</code>{data.claimedUser ? <span> · console user at enrollment (a claim): {data.claimedUser}</span> : null}</p>
        </div>
        {live ? (
          <div class="actions" role="group" aria-label="Actions">
            <a class="button" href={`/console/devices/${encodeURIComponent(v.id)}/confirm?action=refresh`}>Refresh now</a>
            <a class="button danger" href={`/console/devices/${encodeURIComponent(v.id)}/confirm?action=revoke`}>Revoke</a>
          </div>
        ) : null}
      </header>
      {query.awaiting !== undefined ? (
        <p class="notice waiting" role="status" aria-live="polite" data-await-seq={String(query.awaiting)} data-device={v.id}>
          Refresh requested: waiting for the agent's new snapshot (newer than #{query.awaiting})…{" "}
          <a href={`/console/devices/${encodeURIComponent(v.id)}`}>Check again</a>
        </p>
      ) : null}
      {query.arrived !== undefined ? <p class="notice ok" role="status">Snapshot #{query.arrived} arrived.</p> : null}

      <section aria-labelledby="policies-h">
        <h2 id="policies-h">Policies {failing > 0 ? <span class="badge v-fail">{failing} failing</span> : null}</h2>
        <PolicyResults evaluations={data.evaluations} error={data.evaluationError} />
        {rows.length > 0 ? (
          <ComplianceTimeline rows={rows} start={start} end={now} summary={`Policy results since ${fmtTime(start)}: ${rows.map((r) => `${r.label} now ${r.segments[r.segments.length - 1]!.result}`).join("; ")}`} />
        ) : null}
      </section>

      <div class="two-col">
      <section aria-labelledby="users-h">
        <h2 id="users-h">Users</h2>
        <Users ctx={props.ctx} id={v.id} users={data.users} live={live} />
      </section>

      <section aria-labelledby="cert-h">
        <h2 id="cert-h">Certificate</h2>
        <Certificate issued={data.certificate} view={v} revoked={!live} now={now} />
      </section>
      </div>

      <div class="two-col">
        <section aria-labelledby="history-h">
          <h2 id="history-h">Snapshots</h2>
          <History id={v.id} history={data.history} from={from?.seq} to={to?.seq} arrived={query.arrived} now={now} />
        </section>
        <section aria-labelledby="events-h">
          <h2 id="events-h">Recent events</h2>
          {data.events.length === 0 ? <p class="muted">None in the last {TIMELINE_DAYS} days.</p> : (
            <ul class="events">
              {data.events.slice(-12).reverse().map((e) => (
                <li><span class="muted">{fmtTime(e.at)}</span> <code>{e.type}</code> {eventSummary(e)}</li>
              ))}
            </ul>
          )}
          <p><a href={`/console/events?device=${encodeURIComponent(v.id)}`}>All events of this device</a></p>
        </section>
      </div>

      {from && to && from.seq !== to.seq ? <Diff older={from.seq < to.seq ? from : to} newer={from.seq < to.seq ? to : from} /> : null}

      <section aria-labelledby="facts-h">
        <h2 id="facts-h">Facts {v.cached_facts ? <span class="muted">collected {fmtTime(v.cached_facts.created)}</span> : null}</h2>
        {v.cached_facts ? <FactsTree facts={v.cached_facts.data as Record<string, unknown>} unknown={v.cached_facts.unknown} /> : <p class="muted">This device has not reported facts yet.</p>}
      </section>
    </Layout>
  );
}

export function eventSummary(e: FactEvent): string {
  const d = e.data as Record<string, unknown>;
  if (e.type === "device.compliance.changed") return `${String(d.policyName ?? d.policyId)} → ${String(d.result)}`;
  if (typeof d.by === "string") return `by ${d.by}`;
  return "";
}

type Action = { kind: "refresh" } | { kind: "revoke" } | { kind: "assign"; user: string } | { kind: "unassign"; user: string };

function ConfirmPage(props: { ctx: PageContext; view: DeviceView; action: Action }) {
  const { view, action } = props;
  const name = view.name ?? view.id;
  const base = `/console/devices/${encodeURIComponent(view.id)}`;
  const copy = {
    refresh: { title: "Refresh now?", text: `Ask the agent on ${name} to collect and send its facts now? The page then waits for the new snapshot.`, button: "Yes, refresh now", to: `${base}/refresh` },
    revoke: {
      title: "Revoke this device?",
      text: `Revoke ${name}? Its agent is disconnected at once, its snapshots are refused from now on, and it can no longer pass a sign-in check. This cannot be undone: the device would have to enroll again.`,
      button: "Yes, revoke",
      to: `${base}/revoke`,
    },
    assign: { title: "Assign this user?", text: `Bind ${"user" in action ? action.user : ""} to ${name}? Sign-in checks for that user may then be judged on this device. The binding is recorded with your token as the authority.`, button: "Yes, assign", to: `${base}/users` },
    unassign: { title: "Unassign this user?", text: `Remove the binding of ${"user" in action ? action.user : ""} to ${name}? Sign-in checks for that user no longer consider this device.`, button: "Yes, unassign", to: `${base}/users/unassign` },
  }[action.kind];
  return (
    <Layout title={copy.title} ctx={props.ctx}>
      <section class="confirm" aria-labelledby="confirm-h">
        <h1 id="confirm-h">{copy.title}</h1>
        <p>{copy.text}</p>
        <form method="post" action={copy.to}>
          <Csrf ctx={props.ctx} />
          {"user" in action ? <input type="hidden" name="user" value={action.user} /> : null}
          <button type="submit" class={action.kind === "revoke" || action.kind === "unassign" ? "danger" : undefined} autofocus>{copy.button}</button>{" "}
          <a href={base}>Cancel</a>
        </form>
      </section>
    </Layout>
  );
}

export function mountDevicePages(app: Hono<{ Variables: ConsoleVariables }>, env: ConsoleEnv): void {
  const { store } = env.deps;
  const path = (id: string) => `/console/devices/${encodeURIComponent(id)}`;

  app.get("/console/devices/:id", async (c) => {
    const id = c.req.param("id");
    const session = c.get("session");
    const device = DEVICE_ID.test(id) ? await store.getDevice(id) : null;
    if (!device) return c.html(<Layout title="Not found" ctx={pageContext(c, "devices")}><h1>No such device</h1><p><a href="/console/devices">Back to devices</a></p></Layout>, 404);
    const now = env.deps.now();
    const [view, evaluation, history, events, users, certificates] = await Promise.all([
      env.rest<DeviceView>(session, "GET", `/v1/devices/${encodeURIComponent(id)}?view=facet`),
      env.rest<{ policies: PolicyEvaluationJson[] } | ApiErrorBody>(session, "POST", `/v1/devices/${encodeURIComponent(id)}/evaluate`, {}),
      store.snapshotHistory(id, HISTORY),
      store.listEvents({ deviceId: id, typePrefix: "device.", since: now - TIMELINE_DAYS * 86_400_000, limit: 1000 }),
      env.rest<DeviceUsersJson>(session, "GET", `/v1/devices/${encodeURIComponent(id)}/users`),
      store.listEvents({ deviceId: id, types: [CERTIFICATE_ISSUED_EVENT], limit: 1000 }),
    ]);
    const query = DeviceQuerySchema.parse(c.req.query());
    const data: DevicePageData = {
      view: view.body,
      revokedAt: device.revokedAt,
      enrolledAt: device.enrolledAt,
      lastSeq: device.lastSeq,
      claimedUser: device.username,
      evaluations: isApiError(evaluation.body) ? null : evaluation.body.policies,
      evaluationError: isApiError(evaluation.body) ? (evaluation.body.error.message === "no device assurance policies to evaluate" ? "There are no policies yet." : evaluation.body.error.message) : null,
      history,
      events,
      users: users.status === 200 ? users.body : null,
      certificate: certificates[certificates.length - 1] ?? null,
    };
    return c.html(<DevicePage ctx={pageContext(c, "devices")} data={data} query={query} now={now} />);
  });

  /** What the page's script polls while it waits for a refresh. */
  app.get("/console/devices/:id/state", async (c) => {
    const id = c.req.param("id");
    const device = DEVICE_ID.test(id) ? await store.getDevice(id) : null;
    if (!device) return c.json({ error: "not_found" }, 404);
    const online = await env.deps.hub.presence([id]);
    return c.json({ lastSeq: device.lastSeq, lastSeenAt: device.lastSeenAt, connected: online.has(id), revoked: device.revokedAt !== null });
  });

  app.get("/console/devices/:id/confirm", async (c) => {
    const id = c.req.param("id");
    const kind = c.req.query("action");
    const user = UsernameSchema.safeParse(c.req.query("user") ?? "");
    const action: Action | null =
      kind === "refresh" || kind === "revoke" ? { kind } : (kind === "assign" || kind === "unassign") && user.success ? { kind, user: user.data } : null;
    if (!action) return c.redirect(path(id), 303);
    const view = DEVICE_ID.test(id) ? await env.rest<DeviceView>(c.get("session"), "GET", `/v1/devices/${encodeURIComponent(id)}?view=facet`) : null;
    if (!view || view.status !== 200) return c.redirect("/console/devices", 303);
    return c.html(<ConfirmPage ctx={pageContext(c, "devices")} view={view.body} action={action} />);
  });

  app.post("/console/devices/:id/refresh", async (c) => {
    const id = c.req.param("id");
    const device = DEVICE_ID.test(id) ? await store.getDevice(id) : null;
    if (!device) return c.redirect("/console/devices", 303);
    const answer = await env.rest<unknown>(c.get("session"), "POST", `/v1/devices/${encodeURIComponent(id)}/refresh?wait=0`);
    if (answer.status === 202) return c.redirect(`${path(id)}?awaiting=${device.lastSeq}`, 303);
    return c.redirect(`${path(id)}?notice=not-connected`, 303);
  });

  app.post("/console/devices/:id/users", async (c) => {
    const id = c.req.param("id");
    const user = UsernameSchema.safeParse((await c.req.parseBody()).user);
    if (!DEVICE_ID.test(id) || !user.success) return c.redirect(path(id), 303);
    const answer = await env.rest<unknown>(c.get("session"), "POST", `/v1/devices/${encodeURIComponent(id)}/users`, { username: user.data });
    return c.redirect(`${path(id)}?notice=${answer.status < 300 ? "user-assigned" : "user-not-assigned"}`, 303);
  });

  app.post("/console/devices/:id/users/unassign", async (c) => {
    const id = c.req.param("id");
    const user = UsernameSchema.safeParse((await c.req.parseBody()).user);
    if (!DEVICE_ID.test(id) || !user.success) return c.redirect(path(id), 303);
    await env.rest<unknown>(c.get("session"), "DELETE", `/v1/devices/${encodeURIComponent(id)}/users/${encodeURIComponent(user.data)}`);
    return c.redirect(`${path(id)}?notice=user-unassigned`, 303);
  });

  app.post("/console/devices/:id/revoke", async (c) => {
    const id = c.req.param("id");
    if (!DEVICE_ID.test(id)) return c.redirect("/console/devices", 303);
    await env.rest<unknown>(c.get("session"), "POST", `/v1/devices/${encodeURIComponent(id)}/revoke`);
    return c.redirect(`${path(id)}?notice=revoked`, 303);
  });
}
