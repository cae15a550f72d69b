/**
 * Pure views over evaluations: one policy's result as the API serves it, several policies combined
 * as an identity provider reads them, and the sentences shown to a person signing in.
 */
import { userText } from "./user-words.ts";
import type { Policy } from "./schema.ts";
import type { CheckResult, PolicyEvaluation, PolicyResult } from "./types.ts";

/** One policy's evaluation as the API serves it. */
export function evaluationBody(e: PolicyEvaluation) {
  return { policyId: e.policyId, name: e.policyName, platform: e.platform, applicable: e.applicable, result: e.result, passing: e.passing, factsAge: e.factsAge, checks: e.checks };
}

export interface CombinedEvaluation {
  result: PolicyResult;
  passing: boolean;
  factsAge: number | null;
  checks: (CheckResult & { policyId: string })[];
  policies: ReturnType<typeof evaluationBody>[];
}

/**
 * Several policies for one device, as Okta reads an assurance list: the policies for the device's
 * platform must all pass; policies for other platforms do not apply. No applicable policy → FAIL.
 */
export function combineEvaluations(evaluations: PolicyEvaluation[]): CombinedEvaluation {
  const { result, passing, factsAge, policies } = combinedVerdict(evaluations);
  return {
    result,
    passing,
    factsAge,
    checks: evaluations.filter((e) => e.applicable).flatMap((e) => e.checks.map((c) => withPolicyId(c, e.policyId))),
    policies,
  };
}

/** `combineEvaluations` without its combined list of checks, which a sign-in's answer writes from `policies` (combinedListsJson). */
export function combinedVerdict(evaluations: PolicyEvaluation[]): Omit<CombinedEvaluation, "checks"> {
  const applicable = evaluations.filter((e) => e.applicable);
  const passing = applicable.length > 0 && applicable.every((e) => e.passing);
  const has = (r: PolicyResult) => applicable.some((e) => e.result === r);
  let result: PolicyResult;
  if (applicable.length === 0) result = "FAIL";
  else if (!passing) result = has("FAIL") ? "FAIL" : "UNKNOWN";
  else result = has("GRACE") ? "GRACE" : has("UNKNOWN") ? "UNKNOWN" : "PASS";
  return { result, passing, factsAge: evaluations[0]?.factsAge ?? null, policies: evaluations.map(evaluationBody) };
}

/** The combined list's checks that did not pass, as a sign-in decision records them: in the list's order, without copying the list. */
export function failingChecks(evaluations: PolicyEvaluation[]): { policyId: string; check: string; status: CheckResult["status"]; observed: unknown; message: string | null }[] {
  const failing = [];
  for (const e of evaluations) {
    if (!e.applicable) continue;
    for (const c of e.checks) if (c.status !== "PASS") failing.push({ policyId: e.policyId, check: c.check, status: c.status, observed: c.observed, message: c.message });
  }
  return failing;
}

/** A check as the combined list serves it: its own keys in order, then its policy's id. Written out, as in evaluate.ts. */
function withPolicyId(c: CheckResult, policyId: string): CheckResult & { policyId: string } {
  return c.cause === undefined
    ? { check: c.check, status: c.status, observed: c.observed, expected: c.expected, message: c.message, remediation: c.remediation, firstFailedAt: c.firstFailedAt, lastPassedAt: c.lastPassedAt, graceUntil: c.graceUntil, policyId }
    : { check: c.check, status: c.status, observed: c.observed, expected: c.expected, message: c.message, remediation: c.remediation, cause: c.cause, firstFailedAt: c.firstFailedAt, lastPassedAt: c.lastPassedAt, graceUntil: c.graceUntil, policyId };
}

/**
 * `"policies":[…],"checks":[…]`: a combined evaluation's two lists as JSON.stringify writes them,
 * with each check serialized once for both (in `checks` it is the same text, its policy's id
 * added last, as withPolicyId orders it). The answer to every sign-in carries both.
 */
export function combinedListsJson(combined: Pick<CombinedEvaluation, "policies">): string {
  const policies: string[] = [];
  const checks: string[] = [];
  for (const p of combined.policies) {
    const texts = p.checks.map((c) => JSON.stringify(c));
    const head = JSON.stringify({ policyId: p.policyId, name: p.name, platform: p.platform, applicable: p.applicable, result: p.result, passing: p.passing, factsAge: p.factsAge });
    policies.push(`${head.slice(0, -1)},"checks":[${texts.join(",")}]}`);
    if (!p.applicable) continue;
    const id = JSON.stringify(p.policyId);
    for (const text of texts) checks.push(`${text.slice(0, -1)},"policyId":${id}}`);
  }
  return `"policies":[${policies.join(",")}],"checks":[${checks.join(",")}]`;
}

/**
 * What a person signing in is told: each failing, unknown or in-grace check in user words
 * (user-words.ts; the admin's detail stays in `checks`), with the remediation unless the policy
 * hides it (`displayRemediationMode: HIDE`).
 */
export function userMessages(evaluations: PolicyEvaluation[], policies: Map<string, Policy>): string[] {
  const applicable = evaluations.filter((e) => e.applicable);
  if (evaluations.length > 0 && applicable.length === 0) {
    const platforms = [...new Set(evaluations.map((e) => e.platform))].join(", ");
    return [`No device policy applies to this device's platform (policies cover ${platforms}).`];
  }
  const messages: string[] = [];
  for (const e of applicable) {
    const show = policies.get(e.policyId)?.displayRemediationMode !== "HIDE";
    // Facts too old (or none) make every other check UNKNOWN too: the age is the one thing to say.
    const factsUnknown = e.checks.some((c) => (c.check === "facts" || c.check === "maxFactAge") && c.status === "UNKNOWN");
    for (const c of e.checks) {
      if (factsUnknown && c.status === "UNKNOWN" && c.check !== "facts" && c.check !== "maxFactAge") continue;
      if (c.status === "UNKNOWN" && e.passing && e.result !== "GRACE") continue;
      const said = userText(c);
      if (said === null) continue;
      let text = said;
      // A remediation is for the device's owner; an UNKNOWN's sentence already says what to do.
      if (show && c.remediation && (c.status === "FAIL" || said === c.message)) text += ` ${c.remediation}`;
      if (c.graceUntil) text += ` Access is allowed until ${c.graceUntil.slice(0, 16).replace("T", " ")} UTC while you fix this.`;
      messages.push(text);
    }
  }
  return [...new Set(messages)];
}
