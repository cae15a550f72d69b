/**
 * Small plots drawn on the server as inline SVG: no script, no image requests, readable by
 * screen readers through a text summary beside each.
 */

const COLOURS: Record<string, string> = { PASS: "#1f7a3a", FAIL: "#b42318", GRACE: "#b54708", UNKNOWN: "#667085" };

export interface TimelineRow {
  label: string;
  /** Result changes in time order; the first entry's result holds from the window's start. */
  segments: { from: number; result: string }[];
}

/** One bar per policy across [start, end], coloured by the result in force at each moment. */
export function ComplianceTimeline(props: { rows: TimelineRow[]; start: number; end: number; summary: string }) {
  const width = 640;
  const labelW = 150;
  const rowH = 22;
  const height = props.rows.length * rowH + 24;
  const x = (t: number) => labelW + ((Math.max(props.start, Math.min(props.end, t)) - props.start) / (props.end - props.start)) * (width - labelW - 8);
  const span = props.end - props.start;
  const startLabel = span >= 2 * 86_400_000 ? `${Math.round(span / 86_400_000)} days ago` : span >= 2 * 3600_000 ? `${Math.round(span / 3600_000)} hours ago` : `${Math.max(1, Math.round(span / 60_000))} min ago`;
  return (
    <figure class="plot">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.summary}>
        {props.rows.map((row, i) => (
          <g>
            <text x={0} y={i * rowH + 15} class="plot-label">{row.label.length > 22 ? `${row.label.slice(0, 21)}…` : row.label}</text>
            {row.segments.map((s, j) => {
              const next = row.segments[j + 1]?.from ?? props.end;
              return <rect x={x(s.from)} y={i * rowH + 3} width={Math.max(1, x(next) - x(s.from))} height={rowH - 8} fill={COLOURS[s.result] ?? "#d0d5dd"}><title>{s.result}</title></rect>;
            })}
          </g>
        ))}
        <text x={labelW} y={height - 4} class="plot-axis">{startLabel}</text>
        <text x={width - 8} y={height - 4} class="plot-axis" text-anchor="end">now</text>
      </svg>
      <figcaption>
        <span class="legend">{[...Object.entries(COLOURS), ["not evaluated", "#d0d5dd"]].map(([k, colour]) => <span><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill={colour} /></svg> {k}</span>)}</span>
        {props.summary}
      </figcaption>
    </figure>
  );
}

/** A histogram of counts per labelled bucket. */
export function Histogram(props: { buckets: { label: string; count: number }[]; summary: string; caption: string }) {
  const width = 420;
  const height = 150;
  const max = Math.max(1, ...props.buckets.map((b) => b.count));
  const barW = (width - 20) / props.buckets.length;
  return (
    <figure class="plot">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.summary}>
        {props.buckets.map((b, i) => {
          const h = Math.round((b.count / max) * (height - 44));
          return (
            <g>
              <rect x={10 + i * barW + 3} y={height - 22 - h} width={barW - 6} height={h} fill="#3e5c9a"><title>{`${b.label}: ${b.count}`}</title></rect>
              <text x={10 + i * barW + barW / 2} y={height - 26 - h} class="plot-value" text-anchor="middle">{String(b.count)}</text>
              <text x={10 + i * barW + barW / 2} y={height - 6} class="plot-axis" text-anchor="middle">{b.label}</text>
            </g>
          );
        })}
      </svg>
      <figcaption>{props.caption}</figcaption>
    </figure>
  );
}
