/** Plain-text tables for people (scripts use --json); every cell is made terminal-safe. */
import { escapeControl } from "./terminal-safe.ts";
import { style, type Style } from "./output.ts";

export type Cell = string | number | boolean | null | undefined | { text: string; style: Style[] };

function cellText(v: Cell): string {
  if (v !== null && typeof v === "object") return escapeControl(v.text) || "-";
  return v === null || v === undefined || v === "" ? "-" : escapeControl(String(v));
}

/** Columns padded to the widest cell; a styled cell is coloured after padding so widths stay right. */
export function renderTable(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map(cellText));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => [...(r[i] ?? "")].length)));
  const pad = (text: string, i: number) => text + " ".repeat(Math.max(0, widths[i]! - [...text].length));
  const header = headers.map((h, i) => style(pad(h, i), "bold")).join("  ").trimEnd();
  const body = cells.map((r, ri) =>
    r
      .map((text, i) => {
        const raw = rows[ri]![i];
        const padded = i === r.length - 1 ? text : pad(text, i);
        return raw !== null && typeof raw === "object" ? style(padded, ...raw.style) : padded;
      })
      .join("  ")
      .trimEnd(),
  );
  return [header, ...body].join("\n");
}

/** "3m ago" style age for last-seen columns. */
export function age(iso: string | null, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
