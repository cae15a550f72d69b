/**
 * A log file that rotates by size, written in-process: where the agent's logs go when no service
 * manager captures stderr (a Windows scheduled task's stderr goes nowhere).
 *
 * Why not pino's transports (pino-roll, pino/file): they run in a worker thread that loads the
 * transport module by file path at run time, which a single-file binary (esbuild bundle inside a
 * Node SEA) does not have on disk. The agent writes a few lines a minute, so synchronous appends
 * cost nothing and a line is on disk before a crash can lose it.
 *
 * Rotation: when the next line would take the file past maxBytes it becomes `<file>.1`, `.1`
 * becomes `.2`, and so on; the oldest beyond `keep` is dropped. The file and its directory are
 * created 0600/0700 (on Windows the directory inherits the ACL of the state directory).
 */
import { closeSync, fchmodSync, fstatSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { AgentError, describeFsError } from "./errors.ts";
import { ensureDirectory } from "./ensure-dir.ts";

export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 5;

export interface RotatingFileOptions {
  /** Rotate before the file would grow past this many bytes. Default 10 MiB. */
  maxBytes?: number;
  /** How many rotated files to keep beside the current one. Default 5. */
  keep?: number;
}

/** A pino destination (anything with `write(line)`). */
export class RotatingFile {
  readonly path: string;
  readonly maxBytes: number;
  readonly keep: number;
  /** -1 after a failed reopen: the next write opens the file again. */
  private fd: number;
  private size: number;
  /** Set while writes fail (a full disk), so stderr gets one line per outage, not one per log line. */
  private failing = false;
  /** After a failed rotation (another process holds the file open on Windows): when to try again. */
  private retryAt = 0;

  constructor(file: string, options: RotatingFileOptions = {}) {
    this.path = path.resolve(file);
    this.maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
    this.keep = options.keep ?? DEFAULT_LOG_KEEP;
    if (!(this.maxBytes >= 1024)) throw new Error(`log maxBytes must be at least 1024, not ${this.maxBytes}`);
    if (!(Number.isInteger(this.keep) && this.keep >= 1)) throw new Error(`log keep must be a positive integer, not ${this.keep}`);
    ensureDirectory(path.dirname(this.path), { what: "the log directory", code: "log_file_unusable", mustBeWritable: false });
    try {
      this.fd = this.open();
    } catch (err) {
      throw new AgentError("log_file_unusable", `cannot open the log file ${this.path}: ${describeFsError(err)}`);
    }
    this.size = fstatSync(this.fd).size;
  }

  write(line: string): boolean {
    try {
      if (this.fd === -1) this.reopen();
      const bytes = Buffer.byteLength(line);
      if (this.size > 0 && this.size + bytes > this.maxBytes && this.size >= this.retryAt) this.rotate();
      writeSync(this.fd, line);
      this.size += bytes;
      this.failing = false;
    } catch (err) {
      // A log line that cannot be written must not take the agent down with it (pino would throw into
      // whatever code was logging); stderr is the only place left to say so.
      if (!this.failing) process.stderr.write(`facet-agent: cannot write the log file ${this.path}: ${describeFsError(err)}; log lines are dropped until it can\n`);
      this.failing = true;
    }
    return true;
  }

  close(): void {
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
  }

  /** `<file>.1` … `<file>.<keep>`, newest first: what exists after rotations. */
  rotatedPath(n: number): string {
    return `${this.path}.${n}`;
  }

  private open(): number {
    const fd = openSync(this.path, "a", 0o600);
    // An existing file keeps its mode on open: tighten it (no mode bits on Windows; the ACL does this there).
    if (process.platform !== "win32") fchmodSync(fd, 0o600);
    return fd;
  }

  private rotate(): void {
    closeSync(this.fd);
    try {
      rmSync(this.rotatedPath(this.keep), { force: true });
      for (let n = this.keep - 1; n >= 1; n--) renameIfPresent(this.rotatedPath(n), this.rotatedPath(n + 1));
      renameSync(this.path, this.rotatedPath(1));
      this.retryAt = 0;
    } catch {
      // Keep logging into the current file rather than lose lines; try again after another quarter.
      this.retryAt = this.size + Math.floor(this.maxBytes / 4);
    }
    this.fd = -1;
    this.reopen();
  }

  private reopen(): void {
    this.fd = this.open();
    this.size = fstatSync(this.fd).size;
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}
