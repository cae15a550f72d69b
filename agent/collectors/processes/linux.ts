/**
 * Linux processes straight from /proc (no `ps` needed, works in minimal containers): the command
 * line as authentik reports it (NUL-separated argv joined by spaces, or the comm name for kernel
 * threads) and the real UID mapped to a name.
 */
export function parseCmdline(raw: Buffer | string, comm: string): string {
  const text = typeof raw === "string" ? raw : raw.toString("utf8");
  const joined = text.split("\0").filter(Boolean).join(" ").trim();
  return joined || `[${comm.trim()}]`;
}

/** The real UID from /proc/<pid>/status ("Uid:\t1000\t1000\t1000\t1000"). */
export function parseStatusUid(status: string): number | null {
  const m = /^Uid:\s+(\d+)/m.exec(status);
  return m ? Number(m[1]) : null;
}
