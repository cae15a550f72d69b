/**
 * The compressed downloads shipped beside each binary: .tar.gz for Linux and macOS (keeps the
 * executable bit), .zip for Windows (what Explorer and Intune open). Inside, the binary is named
 * `facet-agent` / `facet-agent.exe` whatever the target, so install scripts are the same for all.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import path from "node:path";
import * as tar from "tar";
import { zipSync } from "fflate";

export async function writeArchive(kind: "tar.gz" | "zip", binary: string, nameInside: string, dest: string): Promise<void> {
  if (kind === "zip") {
    const data = new Uint8Array(readFileSync(binary));
    // mtime fixed so the same binary always gives the same archive (reproducible SHA256SUMS).
    const zipped = zipSync({ [nameInside]: [data, { level: 9, mtime: new Date("2000-01-01T00:00:00Z") }] });
    writeFileSync(dest, zipped);
    return;
  }
  const stage = `${dest}.stage`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const staged = path.join(stage, nameInside);
  try {
    linkSync(binary, staged);
  } catch {
    copyFileSync(binary, staged);
  }
  try {
    await tar.c({ gzip: { level: 9 }, file: dest, cwd: stage, portable: true, mtime: new Date("2000-01-01T00:00:00Z") }, [nameInside]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export function fileSize(file: string): number {
  return statSync(file).size;
}
