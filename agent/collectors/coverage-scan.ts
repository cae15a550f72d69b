/**
 * Tallies the fixtures on disk against the probe catalogue (coverage.ts): per probe and OS, how
 * many real recordings by others, Facet's own recordings and synthetic inputs back it, and what
 * is wrong — a parser the catalogue names that the module does not export, a fixture without a
 * recording kind or naming an unknown probe, or a probe short of the goal without a written reason.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FAMILIES, FIXTURE_PREFIX, GAPS, GOAL_REAL, OSES, PROBES, type CoverageOs, type ProbeSpec } from "./coverage.ts";
import { parseFixtureHeader, splitFixture, type RecordingKind } from "./fixtures.ts";

export interface ProbeRow {
  probe: ProbeSpec;
  counts: Record<RecordingKind, number>;
  fixtures: string[];
  /** GOAL_REAL minus real recordings, never below 0. */
  short: number;
}

export interface CoverageScan {
  rows: ProbeRow[];
  problems: string[];
}

const root = new URL("./", import.meta.url).pathname;

export function osOfFixture(name: string): CoverageOs | null {
  return OSES.find((os) => FIXTURE_PREFIX[os].test(name)) ?? null;
}

export function listFixtures(): Array<{ family: string; name: string; path: string }> {
  const out: Array<{ family: string; name: string; path: string }> = [];
  for (const family of FAMILIES) {
    const dir = join(root, family, "fixtures");
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) out.push({ family, name, path: join(dir, name) });
  }
  return out;
}

export async function scanCoverage(): Promise<CoverageScan> {
  const problems: string[] = [];
  const rows = new Map<string, ProbeRow>();
  const keyOf = (family: string, os: string, id: string) => `${family}/${os}/${id}`;
  for (const key of Object.keys(GAPS)) {
    if (!PROBES.some((p) => keyOf(p.family, p.os, p.id) === key)) problems.push(`GAPS names ${key}, which is not in PROBES`);
  }
  for (const probe of PROBES) {
    const key = keyOf(probe.family, probe.os, probe.id);
    if (rows.has(key)) problems.push(`${key}: listed twice in PROBES`);
    rows.set(key, { probe: { ...probe, gap: probe.gap ?? GAPS[key] }, counts: { real: 0, own: 0, synthetic: 0 }, fixtures: [], short: 0 });
    const [file, name] = probe.parser.split("#") as [string, string];
    const mod = (await import(new URL(file, import.meta.url).href).catch(() => null)) as Record<string, unknown> | null;
    if (typeof mod?.[name] !== "function") problems.push(`${key}: parser ${probe.parser} is not an exported function`);
  }
  for (const family of FAMILIES) {
    for (const os of OSES) {
      if (!PROBES.some((p) => p.family === family && p.os === os)) problems.push(`${family}/${os}: no probe listed`);
    }
  }
  for (const f of listFixtures()) {
    const where = `${f.family}/fixtures/${f.name}`;
    const os = osOfFixture(f.name);
    const header = parseFixtureHeader(splitFixture(readFileSync(f.path, "utf8")).header);
    if (!os) problems.push(`${where}: file name does not start with an OS (${Object.values(FIXTURE_PREFIX).map(String).join(" ")})`);
    if (!header.kind) problems.push(`${where}: no "#! recording: real|own|synthetic — …" line`);
    else if (!header.note) problems.push(`${where}: recording kind without provenance or reason`);
    if (header.probes.length === 0) problems.push(`${where}: no "#! probe: …" line`);
    for (const named of header.probes) {
      // "security/domain-mdm": a recording that also feeds a probe of another family.
      const [family, id] = named.includes("/") ? (named.split("/", 2) as [string, string]) : [f.family, named];
      const row = os ? rows.get(keyOf(family, os, id)) : undefined;
      if (!row) {
        if (os) problems.push(`${where}: probe "${named}" is not in PROBES for ${family}/${os}`);
        continue;
      }
      row.fixtures.push(f.name);
      if (header.kind) row.counts[header.kind]++;
    }
  }
  for (const row of rows.values()) {
    row.short = Math.max(0, GOAL_REAL - row.counts.real);
    const key = keyOf(row.probe.family, row.probe.os, row.probe.id);
    if (row.short === 0 && GAPS[key]) problems.push(`${key}: has ${row.counts.real} real recordings but GAPS still gives a reason; remove it`);
    if (row.short > 0 && !row.probe.gap) {
      problems.push(`${row.probe.family}/${row.probe.os}/${row.probe.id}: ${row.counts.real} real recording(s), goal ${GOAL_REAL}, and no written reason`);
    }
  }
  return { rows: [...rows.values()], problems };
}
