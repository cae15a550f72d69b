/**
 * `screenLockType: { include: [PASSCODE, BIOMETRIC] }`: the lock types the policy accepts.
 * Any enabled screen lock is a passcode lock (biometrics unlock on top of one), so a policy that
 * accepts PASSCODE needs only `enabled`; one that accepts only BIOMETRIC needs it in `types`.
 */
import type { CheckContext, CheckOutcome } from "../types.ts";
import { fail, pass, unknownOutcome, unknownReason } from "./outcome.ts";

const CHECK = "screenLockType";

export function checkScreenLock(ctx: CheckContext): CheckOutcome | null {
  const include = ctx.policy.screenLockType?.include;
  if (!include) return null;
  const expected = { include };
  const lock = ctx.facts.security?.screen_lock ?? null;
  const enabled = lock?.enabled ?? null;
  const types = lock?.types ?? null;
  const observed = { enabled, types };
  if (enabled === null) return unknownOutcome(CHECK, expected, "whether a screen lock is set", unknownReason(ctx.unknown, lock === null ? "security.screen_lock" : "security.screen_lock.enabled"), observed);
  if (!enabled) return fail(CHECK, observed, expected, "No screen lock is set.", "Set a password and require it after sleep or screen saver.");
  if (include.includes("PASSCODE")) return pass(CHECK, observed, expected);
  if (types === null) return unknownOutcome(CHECK, expected, "the screen lock type", unknownReason(ctx.unknown, "security.screen_lock.types"), observed);
  return types.includes("BIOMETRIC")
    ? pass(CHECK, observed, expected)
    : fail(CHECK, observed, expected, "The screen lock does not use biometrics.", "Set up Touch ID / Windows Hello for unlocking.");
}
