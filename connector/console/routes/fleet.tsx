/** The fleet overview: filters, counts that add up, one page of devices, the next-page cursor. */
import type { Hono } from "hono";
import { OS_FAMILIES } from "../../../shared/facts/schema.ts";
import type { FleetCounts } from "../../store/types.ts";
import type { ConsoleEnv, ConsoleVariables } from "../env.ts";
import { pageContext } from "../env.ts";
import { FleetFiltersSchema, loadFleetPage, PAGE_SIZE, type FleetFilters, type FleetPage } from "../fleet.ts";
import { fmtAgo, fmtNumber, fmtTime } from "../format.ts";
import { Layout, Verdict, type PageContext } from "../views/layout.tsx";
import { Histogram } from "../views/plots.tsx";
import { SAMPLE } from "../patch-age.ts";

/** The query string for these filters with some replaced (undefined removes one). */
function withFilters(filters: FleetFilters, change: Partial<Record<keyof FleetFilters, string | number | undefined>>): string {
  const merged: Record<string, string | number | undefined> = { ...filters, cursor: undefined, page: undefined, ...change };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== "") params.set(k, String(v));
  const text = params.toString();
  return text ? `/console/devices?${text}` : "/console/devices";
}

function Counts(props: { counts: FleetCounts; filters: FleetFilters }) {
  const { counts, filters } = props;
  const inFreshness = (bucket: { stale: number; fresh: number }) => (filters.freshness ? bucket[filters.freshness] : bucket.stale + bucket.fresh);
  const inCompliance = (key: "stale" | "fresh") =>
    filters.compliance ? counts[filters.compliance][key] : counts.failing[key] + counts.passing[key] + counts.unevaluated[key];
  const failing = inFreshness(counts.failing);
  const passing = inFreshness(counts.passing);
  const unevaluated = inFreshness(counts.unevaluated);
  const matching = filters.compliance ? inFreshness(counts[filters.compliance]) : failing + passing + unevaluated;
  const chip = (key: "compliance" | "freshness", value: string | undefined, label: string, n: number, tone: string) => (
    <a class={`chip ${tone}`} href={withFilters(filters, { [key]: value })} aria-current={filters[key] === value ? "true" : undefined}>
      <span class="n">{fmtNumber(n)}</span> {label}
    </a>
  );
  return (
    <section class="counts" aria-label="Counts">
      <p class="total" id="match-count">
        <strong>{fmtNumber(matching)}</strong> {matching === 1 ? "device matches" : "devices match"}
      </p>
      <div class="chips" role="group" aria-label="Compliance">
        {chip("compliance", undefined, "all", failing + passing + unevaluated, "")}
        {chip("compliance", "failing", "failing", failing, "fail")}
        {chip("compliance", "passing", "passing", passing, "pass")}
        {chip("compliance", "unevaluated", "not evaluated", unevaluated, "none")}
      </div>
      <div class="chips" role="group" aria-label="Freshness">
        {chip("freshness", undefined, "any age", inCompliance("stale") + inCompliance("fresh"), "")}
        {chip("freshness", "fresh", "fresh", inCompliance("fresh"), "")}
        {chip("freshness", "stale", "stale", inCompliance("stale"), "stale")}
      </div>
    </section>
  );
}

function Filters(props: { filters: FleetFilters }) {
  const f = props.filters;
  return (
    <form class="filters" method="get" action="/console/devices" role="search">
      <div>
        <label for="f-q">Search</label>
        <input id="f-q" name="q" type="search" value={f.q ?? ""} placeholder="name, hostname, serial, id" maxlength={200} />
      </div>
      <div>
        <label for="f-compliance">Compliance</label>
        <select id="f-compliance" name="compliance">
          <option value="">any</option>
          <option value="failing" selected={f.compliance === "failing"}>failing</option>
          <option value="passing" selected={f.compliance === "passing"}>passing</option>
          <option value="unevaluated" selected={f.compliance === "unevaluated"}>not evaluated</option>
        </select>
      </div>
      <div>
        <label for="f-freshness">Facts</label>
        <select id="f-freshness" name="freshness">
          <option value="">any age</option>
          <option value="fresh" selected={f.freshness === "fresh"}>fresh</option>
          <option value="stale" selected={f.freshness === "stale"}>stale</option>
        </select>
      </div>
      <div>
        <label for="f-platform">Platform</label>
        <select id="f-platform" name="platform">
          <option value="">any</option>
          {OS_FAMILIES.map((p) => <option value={p} selected={f.platform === p}>{p}</option>)}
        </select>
      </div>
      <div>
        <label for="f-user">User</label>
        <input id="f-user" name="user" type="text" value={f.user ?? ""} maxlength={256} autocomplete="off" />
      </div>
      <div class="check">
        <input id="f-revoked" name="revoked" type="checkbox" checked={f.revoked === "on"} />
        <label for="f-revoked">include revoked</label>
      </div>
      <div class="actions">
        <button type="submit">Apply</button>
        <a href="/console/devices">Clear</a>
      </div>
    </form>
  );
}

function FleetTable(props: { page: FleetPage; now: number }) {
  const { rows, policies, staleBefore } = props.page;
  if (rows.length === 0) return <p class="empty">No device matches these filters.</p>;
  return (
    <div class="table-wrap">
      <table class="fleet">
        <caption class="sr-only">Devices, ordered by name</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Platform</th>
            <th scope="col">OS version</th>
            <th scope="col">Last seen</th>
            <th scope="col">Agent</th>
            {policies.map((p) => <th scope="col" class="policy" title={`${p.name} (${p.platform})`}>{p.name}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const d = r.device;
            const name = d.name ?? d.hostname ?? d.id;
            const stale = !r.snapshot || r.snapshot.collectedAt < staleBefore;
            return (
              <tr class={d.revokedAt !== null ? "revoked" : undefined}>
                <th scope="row">
                  <a href={`/console/devices/${encodeURIComponent(d.id)}`}>{name}</a>
                  <span class="sub">{d.serial ?? d.id.slice(0, 8)}{d.revokedAt !== null ? " · revoked" : ""}</span>
                </th>
                <td>{d.platform ?? "—"}</td>
                <td>{r.snapshot?.facts.os?.version ?? "—"}</td>
                <td title={fmtTime(d.lastSeenAt)}>
                  {fmtAgo(d.lastSeenAt, props.now)}
                  {stale ? <span class="tag stale">stale</span> : null}
                </td>
                <td>{r.connected ? <span class="dot on">connected</span> : <span class="dot off">offline</span>}</td>
                {policies.map((p) => {
                  const v = r.verdicts.get(p.id);
                  return <td class="policy"><Verdict result={v?.result ?? null} title={v ? `evaluated ${fmtTime(v.evaluatedAt)}` : "not evaluated (does not apply or no facts)"} /></td>;
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PatchAgePlot(props: { page: FleetPage }) {
  const { buckets, sampled } = props.page.patchAges;
  if (sampled === 0) return null;
  const c = props.page.counts;
  const total = (["failing", "passing", "unevaluated"] as const).reduce((n, k) => n + c[k].stale + c[k].fresh, 0);
  const scope = sampled < total ? `the first ${fmtNumber(sampled)} by name of the ${fmtNumber(total)} devices these filters match (a sample of at most ${SAMPLE})` : `all ${fmtNumber(sampled)} devices these filters match`;
  return (
    <section aria-labelledby="patch-h" class="plots">
      <div>
        <h2 id="patch-h">Days since the last OS patch</h2>
        <Histogram buckets={buckets} summary={buckets.map((b) => `${b.label} days: ${b.count}`).join(", ")} caption={`Devices by days since their last OS patch; ${scope} with facts.`} />
      </div>
    </section>
  );
}

export function FleetView(props: { ctx: PageContext; filters: FleetFilters; page: FleetPage; now: number }) {
  const { filters, page } = props;
  const pageNo = filters.page ?? 1;
  const first = (pageNo - 1) * PAGE_SIZE + 1;
  return (
    <Layout title="Devices" ctx={props.ctx}>
      <h1>Devices</h1>
      <Filters filters={filters} />
      <Counts counts={page.counts} filters={filters} />
      <FleetTable page={page} now={props.now} />
      <nav class="pager" aria-label="Pages">
        {filters.cursor ? <a href={withFilters(filters, {})}>« First page</a> : <span />}
        <span class="muted">
          {page.rows.length > 0 ? `Page ${fmtNumber(pageNo)} · rows ${fmtNumber(first)}–${fmtNumber(first + page.rows.length - 1)}` : ""}
        </span>
        {page.nextCursor ? <a rel="next" href={withFilters(filters, { cursor: page.nextCursor, page: pageNo + 1 })}>Next page »</a> : <span />}
      </nav>
      <PatchAgePlot page={page} />
    </Layout>
  );
}

export function mountFleetPage(app: Hono<{ Variables: ConsoleVariables }>, env: ConsoleEnv): void {
  app.get("/console/devices", async (c) => {
    const parsed = FleetFiltersSchema.safeParse(c.req.query());
    const filters: FleetFilters = parsed.success ? parsed.data : { q: undefined, user: undefined };
    const page = await loadFleetPage(env, filters);
    return c.html(<FleetView ctx={pageContext(c, "devices")} filters={filters} page={page} now={env.deps.now()} />);
  });
}
