/**
 * Test helper: reads a recorded fixture. A fixture starts with `#! ` header lines; the rest is the
 * output, byte for byte. Two header lines are machine-read (by the coverage matrix and
 * fixtures.test.ts); the others (os, source, command) are for people:
 *
 *   #! recording: real — <who published it, where>   recorded on a real machine by someone else
 *   #! recording: own — <machine>                     recorded by Facet on its own build machine
 *   #! recording: synthetic — <why no recording>      written by hand; never counts as a recording
 *   #! probe: <probe id>[, <probe id>…]               ids from coverage.ts PROBES for the file's OS;
 *                                                     `family/id` names a probe of another family
 */
import { readFileSync } from "node:fs";

export const RECORDING_KINDS = ["real", "own", "synthetic"] as const;
export type RecordingKind = (typeof RECORDING_KINDS)[number];

export interface FixtureHeader {
  kind: RecordingKind | null;
  /** The text after the kind: provenance for real/own, the reason for synthetic. */
  note: string;
  probes: string[];
}

export function splitFixture(text: string): { header: string; body: string } {
  const lines = text.split("\n");
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith("#! ")) i++;
  return { header: lines.slice(0, i).join("\n"), body: lines.slice(i).join("\n") };
}

export function parseFixtureHeader(header: string): FixtureHeader {
  const recording = /^#! recording: (\w+)\s*(?:—|-{1,2})?\s*(.*)$/m.exec(header);
  const kind = RECORDING_KINDS.find((k) => k === recording?.[1]) ?? null;
  const probes = (/^#! probe: (.+)$/m.exec(header)?.[1] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return { kind, note: recording?.[2]?.trim() ?? "", probes };
}

export function readFixture(moduleUrl: string, name: string): { header: string; body: string } {
  return splitFixture(readFileSync(new URL(`./fixtures/${name}`, moduleUrl), "utf8"));
}

export const fixture = (moduleUrl: string, name: string): string => readFixture(moduleUrl, name).body;
