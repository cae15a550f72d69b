/**
 * A check result as JSON.stringify writes it, with the part its outcome decides (every key but
 * the three grace fields) serialized once per outcome object. The outcomes a device's unchanged
 * facts give are the same frozen objects from one sign-in to the next (outcome-memo.ts), so a
 * sign-in serializes only its grace fields; every sign-in's answer carries every check, twice
 * (combine.ts).
 *
 *   checkResultJson(evaluation.checks[i], evaluation.outcomes[i]) === JSON.stringify(evaluation.checks[i])
 */
import type { CheckOutcome, CheckResult } from "./types.ts";

/** `{"check":…,…,"remediation":…[,"cause":…]` without the closing brace, per frozen outcome. */
const outcomeTexts = new WeakMap<CheckOutcome, string>();

function outcomeText(o: CheckOutcome): string {
  const held = outcomeTexts.get(o);
  if (held !== undefined) return held;
  // The keys in CheckResult's order (evaluate.ts checkResult): the outcome's own object may differ.
  const whole = JSON.stringify(
    o.cause === undefined
      ? { check: o.check, status: o.status, observed: o.observed, expected: o.expected, message: o.message, remediation: o.remediation }
      : { check: o.check, status: o.status, observed: o.observed, expected: o.expected, message: o.message, remediation: o.remediation, cause: o.cause },
  );
  const text = whole.slice(0, -1);
  // Only an object that cannot change may keep its text.
  if (Object.isFrozen(o)) outcomeTexts.set(o, text);
  return text;
}

/** An ISO 8601 instant needs no escaping. */
const instant = (text: string | null) => (text === null ? "null" : `"${text}"`);

/** `JSON.stringify(result)`, where `result` was made from `outcome` (its every key but the grace fields copied from it). */
export function checkResultJson(result: CheckResult, outcome: CheckOutcome): string {
  return `${outcomeText(outcome)},"firstFailedAt":${instant(result.firstFailedAt)},"lastPassedAt":${instant(result.lastPassedAt)},"graceUntil":${instant(result.graceUntil)}}`;
}
