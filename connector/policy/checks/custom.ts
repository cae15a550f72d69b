/**
 * `customChecks[]`: CEL expressions over the facts document, each with the message and remediation
 * a user sees when it fails.
 *
 * Outcomes: true → PASS; false → FAIL. A fact the expression reads that is null or missing →
 * UNKNOWN (never evaluated, so `manufacturer != "Dell"` cannot pass on a null). A runtime error
 * about a null inside a list element → UNKNOWN. Any other error, a non-bool result or running out
 * of time → FAIL: a broken check fails closed and says why.
 */
import { CEL_CHECK_TIMEOUT_MS } from "../cel/compile.ts";
import { runBounded, runDirect } from "../cel/bounded.ts";
import { formatFactPath, resolveFactPath } from "../cel/paths.ts";
import type { CustomCheck } from "../schema.ts";
import type { CheckContext, CheckOutcome } from "../types.ts";
import { fail, pass, unknownOutcome, unknownReason } from "./outcome.ts";

/** A FAIL the policy caused: the admin view says why, the user is told it is not their device. */
function policyError(check: string, observed: unknown, expected: unknown, message: string): CheckOutcome {
  return { ...fail(check, observed, expected, message, null), cause: "policy_error" };
}

/** Time left for the custom checks of one evaluation; shared so 32 slow checks cannot add up. */
export interface CelBudget {
  remainingMs: number;
}

const NULL_ERROR = /\bnull\b|No such key/i;

/** Small, display-safe copies of what the expression read. */
function summarize(value: unknown): unknown {
  if (typeof value === "string") return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (Array.isArray(value)) return `[${value.length} items]`;
  if (value !== null && typeof value === "object") return "{…}";
  return value;
}

export function checkCustom(ctx: CheckContext, custom: CustomCheck, budget: CelBudget): CheckOutcome {
  const check = `custom:${custom.name}`;
  const expected = custom.expression;
  const remediation = custom.remediation ?? null;
  const compiled = ctx.expressions.compiledFor(ctx.policy.id, ctx.policy.version, custom.name, custom.expression);
  if (!compiled.ok) return policyError(check, null, expected, `Custom check "${custom.name}" does not compile: ${compiled.error}`);

  const observed: Record<string, unknown> = {};
  for (const path of compiled.compiled.paths) {
    const value = resolveFactPath(ctx.facts, path);
    const key = formatFactPath(path);
    if (value === undefined) return unknownOutcome(check, expected, `"${custom.name}"`, `${key} is unknown (${unknownReason(ctx.unknown, key)})`, observed);
    observed[key] = summarize(value);
  }

  if (budget.remainingMs < 1) return policyError(check, observed, expected, `Custom check "${custom.name}" was not evaluated: the policy's time budget for custom checks is spent.`);
  const started = performance.now();
  const evaluate = () => compiled.compiled.evaluate(ctx.facts);
  const run = compiled.compiled.needsTimeGuard ? runBounded(evaluate, Math.min(CEL_CHECK_TIMEOUT_MS, budget.remainingMs)) : runDirect(evaluate);
  budget.remainingMs -= performance.now() - started;

  if (run.ok) {
    if (run.value === true) return pass(check, observed, expected);
    if (run.value === false) return fail(check, observed, expected, custom.message, remediation);
    return policyError(check, observed, expected, `Custom check "${custom.name}" returned ${typeof run.value}, not a bool.`);
  }
  if (run.timedOut) return policyError(check, observed, expected, `Custom check "${custom.name}" took longer than its time limit and counts as failed.`);
  const error = run.error instanceof Error ? run.error.message.split("\n")[0]! : String(run.error);
  if (NULL_ERROR.test(error)) return unknownOutcome(check, expected, `"${custom.name}"`, `a fact it reads is unknown (${error})`, observed);
  return policyError(check, observed, expected, `Custom check "${custom.name}" could not be evaluated: ${error}`);
}
