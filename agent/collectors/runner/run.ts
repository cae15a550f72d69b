/**
 * Runs one OS tool as a child process: argv only (never a shell string, so no interpolation),
 * a hard timeout, captured stdout and stderr, and bounded output. It never throws: every way a
 * command can fail comes back as a `reason` a collector can put in the `unknown` map.
 */
import { spawn } from "node:child_process";

export interface RunOptions {
  /** Kill the process after this long. Default 5 s. */
  timeoutMs?: number;
  /** Stop reading (and kill) past this many bytes of stdout. Default 4 MiB. */
  maxBytes?: number;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed. */
  input?: string;
  /** Do not keep the Node process alive for this child (a slow probe whose answer can wait for the next run). */
  unref?: boolean;
}

export interface RunOutput {
  ok: true;
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunFailure {
  ok: false;
  /** One line, says which command and why: "lsblk: command not found", "nft: timed out after 2000 ms". */
  reason: string;
  /** What was captured before the failure, when there was any (a non-zero exit keeps both). */
  stdout?: string;
  stderr?: string;
  code?: number | null;
}

export type RunResult = RunOutput | RunFailure;

export const RUN_DEFAULTS = { timeoutMs: 5000, maxBytes: 4 * 1024 * 1024 } as const;
const STDERR_LIMIT = 64 * 1024;

/** A small counting semaphore: 2 cores here, and a probe storm must not fork dozens at once. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async use<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

const defaultLimiter = new Limiter(6);

export function firstLine(text: string, max = 200): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * Runs `argv[0]` with `argv.slice(1)`. A non-zero exit is a failure whose stdout/stderr are kept,
 * because some tools (`csrutil`, `spctl`) answer through their exit code; callers that expect a
 * non-zero code read `failure.stdout`.
 */
export function runProgram(argv: readonly string[], options: RunOptions = {}, limiter = defaultLimiter): Promise<RunResult> {
  return limiter.use(() => runOnce(argv, options));
}

function runOnce(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  const name = file?.split(/[\\/]/).pop() ?? "";
  if (!file) return Promise.resolve({ ok: false, reason: "empty command" });
  const timeoutMs = options.timeoutMs ?? RUN_DEFAULTS.timeoutMs;
  const maxBytes = options.maxBytes ?? RUN_DEFAULTS.maxBytes;

  return new Promise<RunResult>((resolve) => {
    let settled = false;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let overflow = false;
    let timedOut = false;

    const finish = (result: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };

    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, {
        env: options.env ?? process.env,
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
        shell: false,
      });
    } catch (error) {
      resolve({ ok: false, reason: `${name}: ${(error as Error).message}` });
      return;
    }

    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    if (options.unref) {
      timer.unref();
      child.unref();
      for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }

    child.stdout?.on("data", (chunk: Buffer) => {
      if (overflow) return;
      outBytes += chunk.length;
      if (outBytes > maxBytes) {
        overflow = true;
        child.kill("SIGKILL");
        return;
      }
      out.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      if (errBytes >= STDERR_LIMIT) return;
      errBytes += chunk.length;
      err.push(chunk);
    });
    child.stdin?.on("error", () => {
      // The child may exit before reading its input (EPIPE); its exit status tells the story.
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();

    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") finish({ ok: false, reason: `${name}: command not found` });
      else if (error.code === "EACCES") finish({ ok: false, reason: `${name}: permission denied` });
      else finish({ ok: false, reason: `${name}: ${error.message}` });
    });

    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) return finish({ ok: false, reason: `${name}: timed out after ${timeoutMs} ms`, stdout, stderr });
      if (overflow) return finish({ ok: false, reason: `${name}: output exceeded ${maxBytes} bytes` });
      if (code === 0) return finish({ ok: true, stdout, stderr, code });
      const detail = firstLine(stderr) || firstLine(stdout) || (signal ? `killed by ${signal}` : "no output");
      finish({ ok: false, reason: `${name}: exit ${code ?? signal}: ${detail}`, stdout, stderr, code });
    });
  });
}
