/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename over the
 * target, fsync the directory. A power cut leaves either the old or the new file, never a torn one;
 * that is what lets `seq` be trusted after a restart.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

export function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  // `wx` + mode at creation: the secret never exists on disk with wider permissions, even briefly.
  const fd = openSync(tmp, "wx", mode);
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  fsyncDir(path.dirname(target));
}

function fsyncDir(dir: string): void {
  // Windows cannot open a directory for fsync; NTFS rename is journaled, which is what we need.
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
