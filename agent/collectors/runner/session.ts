/**
 * One long-lived interpreter process for many probes. On Windows this is the single PowerShell
 * session of a run: starting powershell.exe is slow (docs/performance.md) and systeminformation
 * starts one per WMI query, so every Windows probe goes through here instead.
 *
 * Requests run one at a time. Each script travels base64-encoded on one stdin line (no quoting, no
 * interpolation) and its output ends at a random marker line carrying the exit status. A request
 * that times out kills the process (its output stream can no longer be trusted); the next request
 * starts a fresh one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { RunResult } from "./run.ts";

export interface SessionDialect {
  /** argv of the interpreter, started once. */
  argv: readonly string[];
  /** Sent once after start. */
  prelude?: string;
  /** One stdin line that runs `script` and then prints "\n<marker> <status> <message>\n". */
  frame(script: string, marker: string): string;
}

/** Windows PowerShell 5.1 (present on every Windows 10/11), reading commands from stdin. */
export const powershellDialect: SessionDialect = {
  argv: ["powershell.exe", "-NoLogo", "-NoProfile", "-NonInteractive", "-InputFormat", "Text", "-ExecutionPolicy", "Bypass", "-Command", "-"],
  prelude: "$ProgressPreference='SilentlyContinue'; $ErrorActionPreference='Stop'; [Console]::OutputEncoding=[Text.Encoding]::UTF8",
  frame: framePowerShell,
};

/**
 * Out-String -Width 4096 keeps Format-List from wrapping values at the 80/120-column console
 * width; errors are reported on the marker line, not stderr, so they stay tied to their request.
 */
export function framePowerShell(script: string, marker: string): string {
  const b64 = Buffer.from(script, "utf8").toString("base64");
  return (
    `try { $__s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${b64}')); ` +
    `[Console]::Out.Write((Invoke-Expression $__s | Out-String -Width 4096)); $__c=0; $__m='' } ` +
    `catch { $__c=1; $__m=($_.Exception.Message -replace '[\\r\\n]+',' ') }; ` +
    `[Console]::Out.WriteLine(''); [Console]::Out.WriteLine('${marker} ' + $__c + ' ' + $__m)`
  );
}

/** POSIX sh, used to test the session machinery on Linux with a real child process. */
export const shDialect: SessionDialect = {
  argv: ["sh"],
  frame: (script, marker) => {
    const b64 = Buffer.from(script, "utf8").toString("base64");
    return `eval "$(printf '%s' '${b64}' | base64 -d)"; printf '\\n${marker} %s \\n' "$?"`;
  },
};

interface Pending {
  marker: string;
  resolve(result: RunResult): void;
}

export class ShellSession {
  private child: ChildProcess | null = null;
  private buffer = "";
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly name: string;

  constructor(
    private readonly dialect: SessionDialect,
    private readonly options: { maxBytes?: number } = {},
  ) {
    this.name = dialect.argv[0]?.split(/[\\/]/).pop() ?? "session";
  }

  /** Runs `script`; never throws. Calls are serialised. */
  run(script: string, timeoutMs = 10_000): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(script, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null) {
      child.stdin?.end();
      child.kill();
    }
  }

  private start(): ChildProcess | string {
    const [file, ...args] = this.dialect.argv;
    if (!file) return "no interpreter";
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], windowsHide: true, shell: false });
    child.stdout?.setEncoding("utf8");
    // Events from a process this session already abandoned (timed out, closed) must not touch the next request.
    child.stdout?.on("data", (chunk: string) => { if (this.child === child) this.onData(chunk); });
    child.stderr?.resume(); // drained, never read: errors come back on the marker line
    child.stdin?.on("error", () => undefined);
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (this.child !== child) return;
      const reason = error.code === "ENOENT" ? `${this.name}: command not found` : `${this.name}: ${error.message}`;
      this.child = null;
      this.fail(reason);
    });
    child.on("exit", (code) => {
      if (this.child !== child) return;
      this.child = null;
      this.fail(`${this.name}: session exited (${code})`);
    });
    if (this.dialect.prelude) child.stdin?.write(`${this.dialect.prelude}\n`);
    this.child = child;
    return child;
  }

  private runNow(script: string, timeoutMs: number): Promise<RunResult> {
    return new Promise<RunResult>((resolve) => {
      const child = this.child ?? this.start();
      if (typeof child === "string") return resolve({ ok: false, reason: child });
      const marker = `__FACET_${randomBytes(8).toString("hex")}__`;
      this.buffer = "";
      const timer = setTimeout(() => {
        this.fail(`${this.name}: timed out after ${timeoutMs} ms`);
        this.close();
      }, timeoutMs);
      this.pending = {
        marker,
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
      };
      child.stdin?.write(`${this.dialect.frame(script, marker)}\n`);
    });
  }

  private onData(chunk: string): void {
    if (!this.pending) return;
    this.buffer += chunk;
    const maxBytes = this.options.maxBytes ?? 4 * 1024 * 1024;
    if (this.buffer.length > maxBytes) {
      this.fail(`${this.name}: output exceeded ${maxBytes} bytes`);
      this.close();
      return;
    }
    const match = new RegExp(`\\r?\\n${this.pending.marker} (\\d+) ?([^\\r\\n]*)\\r?\\n`).exec(this.buffer);
    if (!match) return;
    const stdout = this.buffer.slice(0, match.index);
    const status = Number(match[1]);
    const message = (match[2] ?? "").trim();
    const pending = this.pending;
    this.pending = null;
    this.buffer = "";
    if (status === 0) pending.resolve({ ok: true, stdout, stderr: "", code: 0 });
    else pending.resolve({ ok: false, reason: `${this.name}: ${message || `exit ${status}`}`, stdout, code: status });
  }

  private fail(reason: string): void {
    const pending = this.pending;
    this.pending = null;
    pending?.resolve({ ok: false, reason });
  }
}
