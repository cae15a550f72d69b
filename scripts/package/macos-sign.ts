/**
 * Code signatures for the macOS targets.
 *
 * The official Node binary is signed by the Node.js project; injecting the SEA blob invalidates
 * that signature, and a binary with a broken signature is worse than an unsigned one (macOS kills
 * it, and tools report a tampered binary). So the base is unsigned properly (macho-unsign removes the
 * LC_CODE_SIGNATURE command and its data) before injection, and the result is signed ad hoc when a
 * signer exists on the build host: `codesign` on a Mac, `rcodesign` (apple-codesign) or `ldid`
 * elsewhere. None exists on a Debian/npm-only host; docs/deploy.md then says to run
 * `codesign --sign - facet-agent` on a Mac before distribution — Apple Silicon refuses to run an
 * unsigned binary, Intel Macs run it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { unsign } from "macho-unsign";

export function writeUnsignedCopy(source: string, dest: string): void {
  const data = readFileSync(source);
  const unsigned = unsign(data);
  writeFileSync(dest, unsigned ? Buffer.from(unsigned) : data, { mode: 0o755 });
}

interface Signer {
  tool: string;
  args: (file: string) => string[];
}

const SIGNERS: Signer[] = [
  { tool: "codesign", args: (f) => ["--force", "--sign", "-", f] },
  { tool: "rcodesign", args: (f) => ["sign", f] },
  { tool: "ldid", args: (f) => ["-S", f] },
];

function onPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, tool);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Signs ad hoc with the first signer found; returns its name, or null if none is installed. */
export function signAdHoc(file: string): string | null {
  for (const signer of SIGNERS) {
    const bin = onPath(signer.tool);
    if (!bin) continue;
    execFileSync(bin, signer.args(file), { stdio: ["ignore", "ignore", "pipe"] });
    return signer.tool;
  }
  return null;
}
