/** Polling for a condition in tests, failing with what was awaited once the time is up. */
import assert from "node:assert/strict";

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  await untilValue(what, async () => ((await check()) ? true : undefined), timeoutMs);
}

/** Polls `probe` until it yields a value (not null or undefined) and returns it; `what` may be computed at the failure, to carry logs. */
export async function untilValue<T>(what: string | (() => string), probe: () => Promise<T | null | undefined> | T | null | undefined, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${typeof what === "function" ? what() : what}`);
}
