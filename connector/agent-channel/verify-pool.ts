/**
 * Agent frames are checked on worker threads (verify-worker.ts → frame-verdict.ts), and so are the
 * `auth` signatures (auth-signature.ts), so signature verification, parsing and schema checks
 * never run on the event loop that answers sign-ins.
 * The main thread only hands the frame's bytes over (a large one moved, see MOVE_FROM_BYTES) and
 * gets a small verdict back.
 *
 * Threads are started by start() (the connector does so as it starts, so that the burst of a
 * restart finds them ready) or else on the first frame, up to `size`, each holding a few frames
 * at a time; the rest wait here in arrival order, except that `auth` proofs go ahead of waiting
 * frames: a proof is about a hundredth of a real snapshot's work, and the agent behind it has its
 * auth timer running, while a waiting snapshot's agent is only kept waiting for its ack. A thread
 * that dies is replaced, and the frames it held are tried once more on another: a frame is never
 * answered for a thread that did not check it, and one that kills two threads fails (its snapshot
 * is not acked, so the agent resends it later), as does a frame that was moved to it. If threads
 * cannot start at all (their code fails to load, as a broken build would), the pool says so once
 * in the log and checks frames on the main thread, as the connector did before it had threads:
 * agents still get served, sign-ins are no longer isolated from their bursts. `size` 0 chooses
 * that from the start.
 */
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { FrameVerdict } from "./frame-verdict.ts";
import type { LatestBody } from "./expand-families.ts";
import { authSignatureValid, type AuthProof } from "./auth-signature.ts";
import type { PublicKeyCache } from "./key-cache.ts";
import { isWholeBuffer } from "./owned-frame.ts";
import { runVerifyTask, type VerifyReply, type VerifyRequest, type VerifyResult, type VerifyTask } from "./verify-protocol.ts";

/**
 * In the built connector (scripts/build/commands.ts) the boot module and the worker are bundled
 * files whose paths, relative to the file this code ends up in, the build writes here; under tsx
 * they are undefined and the TypeScript source beside this file is started.
 */
declare const FACET_BUILT_VERIFIER_BOOT: string | undefined;
declare const FACET_BUILT_VERIFIER_ENTRY: string | undefined;
/** In the packaged connector (scripts/package/connector/) the worker's whole bundle is this string, run as an eval worker. */
declare const FACET_EMBEDDED_VERIFIER: string | undefined;

export interface FrameVerifier {
  /**
   * The verdict on one frame; `publicKey` is the session's device key, null before auth; `latest`
   * the device's latest stored body, for a frame that was answered `compact` without it. `move`:
   * the caller is done with `bytes` (a compact verdict hands them back), so a large frame may be
   * moved to its thread rather than copied, and is then empty here.
   */
  verify(bytes: Uint8Array, publicKey: string | null, latest?: LatestBody | null, move?: boolean): Promise<FrameVerdict>;
  /** Whether an `auth` frame's signature verifies against the enrolled device key. */
  verifyAuth(proof: AuthProof): Promise<boolean>;
  /** Threads running (0 when frames are checked on the main thread). */
  readonly threads: number;
  /** Starts every thread now rather than as frames arrive. */
  start(): void;
  /** Lets the frames already handed over finish, then stops the threads. */
  close(): Promise<void>;
}

export interface VerifyPoolOptions {
  /** Threads at most; 0: check frames on the main thread. */
  size: number;
  log: Logger;
  /** The main thread's key cache, used only when frames are checked there. */
  keys: PublicKeyCache;
  /** Starts one thread; tests wrap the real one. */
  spawn?: () => Worker;
}

/**
 * Frames from this size on are moved to their thread when the caller allows it: the copy, and the
 * fresh memory it needs on the event loop, cost more than the retry after a thread dies is worth
 * (a moved frame is gone with its thread; the agent, not acked, sends again).
 */
const MOVE_FROM_BYTES = 16 * 1024;
/** Frames one thread holds at once: enough to hide the message round trip, few enough that a crash retries little. */
const PER_THREAD = 4;
/** A frame is tried on at most this many threads. */
const MAX_ATTEMPTS = 2;
/** Threads failing to load, in a row, before the pool stops starting them. */
const MAX_START_FAILURES = 3;
/** How long close() waits for handed-over frames before it stops the threads anyway. */
const CLOSE_GRACE_MS = 5_000;

interface Job {
  request: VerifyRequest;
  /** The caller allows the frame's buffer to go to the thread rather than a copy (MOVE_FROM_BYTES). */
  movable: boolean;
  /** It went: the frame is not here any more to be tried again. */
  moved: boolean;
  /** Threads that were checking it when they died. */
  attempts: number;
  resolve(result: VerifyResult): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  jobs: Map<number, Job>;
}

export class VerifyPool implements FrameVerifier {
  private readonly pool = new Set<Thread>();
  /** Jobs waiting for a thread: `auth` proofs first (see above), each kind in arrival order. */
  private readonly queue = new JobQueue();
  private nextId = 1;
  private startFailures = 0;
  /** Set when frames are checked on the main thread. */
  private inline: PublicKeyCache | null;
  private closing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: VerifyPoolOptions) {
    this.inline = options.size > 0 ? null : options.keys;
  }

  get threads(): number {
    return this.pool.size;
  }

  start(): void {
    while (!this.inline && !this.closing && this.pool.size < this.options.size) if (!this.spawn()) return;
  }

  // A task is answered with its kind's result (runVerifyTask), whichever thread runs it.
  verify(bytes: Uint8Array, publicKey: string | null, latest?: LatestBody | null, move = false): Promise<FrameVerdict> {
    const movable = move && bytes.byteLength >= MOVE_FROM_BYTES && isWholeBuffer(bytes);
    return this.run({ kind: "frame", bytes, publicKey, latest }, movable) as Promise<FrameVerdict>;
  }

  verifyAuth(proof: AuthProof): Promise<boolean> {
    // The agent's auth timer is running: with no thread up yet (the connector did not start them,
    // or they are still loading) one check here is quicker than waiting for a thread to load.
    if (!this.inline && ![...this.pool].some((t) => t.ready)) return Promise.resolve(authSignatureValid(proof, this.options.keys));
    return this.run({ kind: "auth", proof }) as Promise<boolean>;
  }

  private run(task: VerifyTask, movable = false): Promise<VerifyResult> {
    if (this.closing) return Promise.reject(new Error("the verify pool is closed"));
    if (this.inline) return Promise.resolve(runVerifyTask(task, this.inline));
    return new Promise((resolve, reject) => {
      this.queue.add({ request: { id: this.nextId++, task }, movable, moved: false, attempts: 0, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.idle()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
      ]);
      clearTimeout(timer);
    }
    const threads = [...this.pool];
    this.pool.clear();
    for (const job of this.queue.takeAll()) job.reject(new Error("the verify pool closed before checking the frame"));
    for (const thread of threads) for (const job of thread.jobs.values()) job.reject(new Error("the verify pool closed before checking the frame"));
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private idle(): boolean {
    if (this.queue.size > 0) return false;
    for (const thread of this.pool) if (thread.jobs.size > 0) return false;
    return true;
  }

  private dispatch(): void {
    while (this.queue.size > 0) {
      const thread = this.freeThread();
      if (!thread) return;
      const job = this.queue.take()!;
      thread.jobs.set(job.request.id, job);
      // Unless moved, copied: the bytes stay here in case the thread dies and the frame is retried.
      // Moved only to a thread that has loaded: one that fails to would take the frame with it.
      const task = job.request.task;
      const move = job.movable && thread.ready && task.kind === "frame" ? [task.bytes.buffer as ArrayBuffer] : [];
      job.moved = move.length > 0;
      thread.worker.postMessage(job.request, move);
    }
    if (this.closing && this.idle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** An idle thread, a new one while the pool is below size, else the least busy with room. */
  private freeThread(): Thread | null {
    let best: Thread | null = null;
    for (const thread of this.pool) if (thread.jobs.size < PER_THREAD && (!best || thread.jobs.size < best.jobs.size)) best = thread;
    if (best?.jobs.size === 0) return best;
    if (this.pool.size < this.options.size && !this.closing) return this.spawn() ?? best;
    return best;
  }

  private spawn(): Thread | null {
    let worker: Worker;
    try {
      worker = (this.options.spawn ?? spawnVerifyThread)();
    } catch (error) {
      this.startFailed(error as Error);
      // Nothing else would pick up the frames waiting for this thread.
      if (!this.inline) setImmediate(() => this.dispatch());
      return null;
    }
    const thread: Thread = { worker, ready: false, jobs: new Map() };
    this.pool.add(thread);
    // Sockets and timers keep the process alive while frames are being checked; the threads need not.
    worker.unref();
    worker.on("message", (reply: VerifyReply) => {
      if ("ready" in reply) {
        thread.ready = true;
        this.startFailures = 0;
        return;
      }
      const job = thread.jobs.get(reply.id);
      if (!job) return;
      thread.jobs.delete(reply.id);
      if ("result" in reply) job.resolve(reply.result);
      else job.reject(new Error(`the verify thread failed on the frame: ${reply.error}`));
      this.dispatch();
    });
    // An uncaught error is followed by 'exit'; before 'ready' it means the thread's code cannot load.
    worker.on("error", (error) => this.lost(thread, error, !thread.ready));
    worker.on("exit", (code) => this.lost(thread, new Error(`the verify thread exited with code ${code}`), false));
    return thread;
  }

  private lost(thread: Thread, cause: Error, failedToStart: boolean): void {
    if (!this.pool.delete(thread)) return;
    const jobs = [...thread.jobs.values()];
    thread.jobs.clear();
    if (failedToStart) {
      // Its frames were never looked at: back in line as they were.
      this.queue.putBack(jobs);
      this.startFailed(cause);
    } else {
      this.options.log.error({ err: cause, frames: jobs.length }, "a snapshot verify thread stopped; replacing it");
      const retry: Job[] = [];
      for (const job of jobs) {
        job.attempts += 1;
        if (job.moved) job.reject(new Error("the verify thread the frame was moved to stopped while checking it", { cause }));
        else if (job.attempts >= MAX_ATTEMPTS) job.reject(new Error(`${MAX_ATTEMPTS} verify threads stopped while checking the frame`, { cause }));
        else retry.push(job);
      }
      this.queue.putBack(retry);
    }
    this.dispatch();
  }

  private startFailed(cause: Error): void {
    this.startFailures += 1;
    if (this.startFailures < MAX_START_FAILURES || this.inline) return;
    this.options.log.error({ err: cause }, "the snapshot verify threads cannot start: checking agent frames on the main thread, where agent bursts delay sign-ins");
    const keys = this.options.keys;
    this.inline = keys;
    for (const thread of this.pool) void thread.worker.terminate();
    const waiting = [...this.queue.takeAll(), ...[...this.pool].flatMap((t) => [...t.jobs.values()])];
    this.pool.clear();
    // One frame per turn, as the sessions would hand them over.
    for (const job of waiting) {
      if (job.moved) {
        job.reject(new Error("the verify thread the frame was moved to was stopped"));
        continue;
      }
      setImmediate(() => {
        try {
          job.resolve(runVerifyTask(job.request.task, keys));
        } catch (error) {
          job.reject(error as Error);
        }
      });
    }
  }
}

class JobQueue {
  private readonly auths: Job[] = [];
  private readonly frames: Job[] = [];

  get size(): number {
    return this.auths.length + this.frames.length;
  }

  add(job: Job): void {
    this.of(job).push(job);
  }

  /** Jobs taken from a thread that stopped go back to the front of their kind's line. */
  putBack(jobs: Job[]): void {
    for (const job of [...jobs].reverse()) this.of(job).unshift(job);
  }

  take(): Job | undefined {
    return this.auths.shift() ?? this.frames.shift();
  }

  takeAll(): Job[] {
    return [...this.auths.splice(0), ...this.frames.splice(0)];
  }

  private of(job: Job): Job[] {
    return job.request.task.kind === "auth" ? this.auths : this.frames;
  }
}

/** A verify thread from wherever this code runs: the packaged binary, the built connector, or tsx. */
export function spawnVerifyThread(): Worker {
  if (typeof FACET_EMBEDDED_VERIFIER === "string") return new Worker(FACET_EMBEDDED_VERIFIER, { eval: true });
  const built = typeof FACET_BUILT_VERIFIER_BOOT === "string" && typeof FACET_BUILT_VERIFIER_ENTRY === "string";
  // Worker threads do not inherit tsx's loader: the SQLite writer's boot module registers it first.
  return new Worker(new URL(built ? FACET_BUILT_VERIFIER_BOOT : "../store/sqlite/worker-boot.mjs", import.meta.url), {
    workerData: { entry: new URL(built ? FACET_BUILT_VERIFIER_ENTRY : "./verify-worker.ts", import.meta.url).href },
  });
}
