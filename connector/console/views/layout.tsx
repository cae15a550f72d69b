/** The page frame: skip link, navigation, who is signed in, notices. */
import type { Child } from "hono/jsx";
import { assetUrl } from "../assets.ts";

export interface PageContext {
  /** The signed-in token's name, or null on the sign-in page. */
  who: string | null;
  csrf: string | null;
  /** The navigation entry to mark as current. */
  section?: "devices" | "policies" | "tokens" | "events" | "catalog";
  notice?: { kind: "ok" | "error"; text: string } | null;
}

const NAV = [
  ["devices", "/console/devices", "Devices"],
  ["policies", "/console/policies", "Policies"],
  ["tokens", "/console/tokens", "Tokens"],
  ["events", "/console/events", "Events"],
  ["catalog", "/console/os-catalog", "OS catalog"],
] as const;

export function Layout(props: { title: string; ctx: PageContext; children?: Child }) {
  const { ctx } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {ctx.csrf ? <meta name="csrf-token" content={ctx.csrf} /> : null}
        <title>{`${props.title} · Facet`}</title>
        <link rel="stylesheet" href={assetUrl("console.css")} />
        <script type="module" src={assetUrl("console.js")}></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/console/devices">Facet</a>
          {ctx.who !== null ? (
            <nav aria-label="Sections">
              <ul>
                {NAV.map(([key, href, label]) => (
                  <li>
                    <a href={href} aria-current={ctx.section === key ? "page" : undefined}>{label}</a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          {ctx.who !== null ? (
            <form class="who" method="post" action="/console/sign-out">
              <span>Signed in with <strong>{ctx.who}</strong></span>
              <input type="hidden" name="_csrf" value={ctx.csrf ?? ""} />
              <button type="submit" class="link">Sign out</button>
            </form>
          ) : null}
        </header>
        <main id="main" tabindex={-1}>
          {ctx.notice ? (
            <p class={`notice ${ctx.notice.kind}`} role={ctx.notice.kind === "error" ? "alert" : "status"}>{ctx.notice.text}</p>
          ) : null}
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A hidden CSRF field for a form that writes. */
export const Csrf = (props: { ctx: PageContext }) => <input type="hidden" name="_csrf" value={props.ctx.csrf ?? ""} />;

/** PASS / FAIL / GRACE / UNKNOWN as a badge with its word, never colour alone. */
export function Verdict(props: { result: string | null; title?: string }) {
  const r = props.result ?? "none";
  const label = props.result ?? "—";
  return <span class={`badge v-${r.toLowerCase()}`} title={props.title}>{label}</span>;
}
