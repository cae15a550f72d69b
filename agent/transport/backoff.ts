/**
 * Reconnect delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): delay = random() × min(cap, base × 2^attempt). Full jitter spreads a fleet
 * of agents reconnecting after a connector restart across the whole window instead of in waves.
 */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** [0, 1) like Math.random; injectable so tests can pin it. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 1000, capMs: 5 * 60_000 } as const;

/** The upper bound of the window for this attempt (0-based): min(cap, base × 2^attempt). */
export function backoffCeiling(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const cap = options.capMs ?? DEFAULT_BACKOFF.capMs;
  // 2^attempt overflows to Infinity for large attempts; min() with the cap keeps it finite.
  return Math.min(cap, base * 2 ** Math.max(0, attempt));
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const random = options.random ?? Math.random;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * backoffCeiling(attempt, options));
}
