/** Text formats shared by the console's pages. */
export const fmtNumber = (n: number) => n.toLocaleString("en-US");

export function fmtTime(ms: number | string | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "—" : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** "3 min ago", "2 h ago", "5 d ago" (or "in 2 h" for the future). */
export function fmtAgo(ms: number | string | null | undefined, now: number): string {
  if (ms === null || ms === undefined) return "never";
  const t = typeof ms === "number" ? ms : Date.parse(ms);
  if (Number.isNaN(t)) return "—";
  const s = Math.round((now - t) / 1000);
  const abs = Math.abs(s);
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : abs < 86_400 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} d`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}
