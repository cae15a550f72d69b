/**
 * Test helper: reads a recorded fixture. A fixture starts with `#! ` header lines (OS version,
 * how it was recorded or which public source it comes from); the rest is the output, byte for byte.
 */
import { readFileSync } from "node:fs";

export function readFixture(moduleUrl: string, name: string): { header: string; body: string } {
  const text = readFileSync(new URL(`./fixtures/${name}`, moduleUrl), "utf8");
  const lines = text.split("\n");
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith("#! ")) i++;
  return { header: lines.slice(0, i).join("\n"), body: lines.slice(i).join("\n") };
}

export const fixture = (moduleUrl: string, name: string): string => readFixture(moduleUrl, name).body;
