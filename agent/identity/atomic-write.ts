/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename over the
 * target, fsync the directory. A power cut leaves either the old or the new file, never a torn one;
 * that is what lets `seq` be trusted after a restart.
 *
 * A failure throws `file_write_failed` naming the file and the cause in words (read-only file
 * system, no space left on device), so it reaches the operator as one line rather than a stack.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { AgentError, describeFsError } from "../errors.ts";

export function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o600): void {
  try {
    replaceFile(target, data, mode);
  } catch (err) {
    if (err instanceof AgentError) throw err;
    throw new AgentError("file_write_failed", `cannot write ${target}: ${describeFsError(err)}`, 1, { cause: err });
  }
}

function replaceFile(target: string, data: string | Uint8Array, mode: number): void {
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  // `wx` + mode at creation: the secret never exists on disk with wider permissions, even briefly.
  const fd = openSync(tmp, "wx", mode);
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) {
      const n = writeSync(fd, buf, off, buf.length - off);
      // A file that accepts nothing (a pseudo-filesystem) would otherwise spin here forever.
      if (n <= 0) throw new Error(`wrote nothing at byte ${off} of ${buf.length}`);
      off += n;
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (err) {
    unlinkQuietly(tmp);
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

/** Cleanup after a failure must not replace the failure's cause with its own. */
function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone, or the directory refuses that too: the original error says why
  }
}
