/**
 * A facts document as a tree of nested lists. A `null` leaf shows "unknown" with the agent's
 * reason from the snapshot's `unknown` map (keyed by shared/facts/paths.ts: `disks[0].x`);
 * reasons whose path is not in the document are listed after the tree, never dropped.
 */
import type { Child } from "hono/jsx";
import { joinFactPath } from "../../../shared/facts/paths.ts";

const MAX_ITEMS = 50;
/** Families that run to hundreds of rows start folded. */
const FOLDED = new Set(["software", "processes", "groups", "users", "vendor"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function Unknown(props: { reason: string | undefined }) {
  return (
    <span class="unknown">
      <span class="badge v-unknown">unknown</span> <span class="reason">{props.reason ?? "(no reason recorded)"}</span>
    </span>
  );
}

export function FactsTree(props: { facts: Record<string, unknown>; unknown: Record<string, string> }) {
  const placed = new Set<string>();
  const reason = (path: string) => {
    placed.add(path);
    return props.unknown[path];
  };
  const scalar = (v: Json) => (typeof v === "string" ? v : JSON.stringify(v));

  const node = (label: string, path: string, value: Json | undefined, depth: number): Child => {
    if (value === null || value === undefined) {
      return (
        <li>
          <span class="k">{label}</span> <Unknown reason={reason(path)} />
        </li>
      );
    }
    if (Array.isArray(value) || typeof value === "object") {
      const entries: [string, string, Json][] = Array.isArray(value)
        ? value.slice(0, MAX_ITEMS).map((v, i) => [`[${i}]`, `${path}[${i}]`, v])
        : Object.entries(value).map(([k, v]) => [k, joinFactPath(path, k), v]);
      if (entries.length === 0) {
        return (
          <li>
            <span class="k">{label}</span> <span class="muted">{Array.isArray(value) ? "(none)" : "(empty)"}</span>
          </li>
        );
      }
      const size = Array.isArray(value) ? ` (${value.length})` : "";
      const open = depth === 0 ? !FOLDED.has(label) : depth < 2 && !(Array.isArray(value) && value.length > 8);
      const hidden = Array.isArray(value) && value.length > MAX_ITEMS ? value.length - MAX_ITEMS : 0;
      if (Array.isArray(value)) value.slice(MAX_ITEMS).forEach((v, i) => collectPaths(`${path}[${MAX_ITEMS + i}]`, v, placed));
      return (
        <li>
          <details open={open}>
            <summary><span class="k">{label}</span><span class="muted">{size}</span></summary>
            <ul>
              {entries.map(([k, p, v]) => node(k, p, v, depth + 1))}
              {hidden > 0 ? <li class="muted">… {hidden} more</li> : null}
            </ul>
          </details>
        </li>
      );
    }
    return (
      <li>
        <span class="k">{label}</span> <span class="v">{scalar(value)}</span>
      </li>
    );
  };

  const tree = <ul class="facts">{Object.entries(props.facts as Record<string, Json>).map(([k, v]) => node(k, k, v, 0))}</ul>;
  // Rendered after the tree has been walked, so `placed` is complete.
  const rest = Object.entries(props.unknown).filter(([p]) => !placed.has(p));
  return (
    <div>
      {tree}
      {rest.length > 0 ? (
        <details class="orphans">
          <summary>{rest.length} more reasons for unknown facts</summary>
          <ul>{rest.map(([p, r]) => <li><code>{p}</code> <span class="reason">{r}</span></li>)}</ul>
        </details>
      ) : null}
    </div>
  );
}

/** Marks reasons under folded-away items as shown (they are summarised by the "… more" line). */
function collectPaths(path: string, value: Json, placed: Set<string>): void {
  placed.add(path);
  if (Array.isArray(value)) value.forEach((v, i) => collectPaths(`${path}[${i}]`, v, placed));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) collectPaths(`${path}.${k}`, v, placed);
}
