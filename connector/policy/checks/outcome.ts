/** Small constructors shared by the checks, so every check words unknowns the same way. */
import type { Unknown } from "../../../shared/facts/schema.ts";
import type { CheckOutcome, CheckStatus } from "../types.ts";

export function pass(check: string, observed: unknown, expected: unknown): CheckOutcome {
  return { check, status: "PASS", observed, expected, message: null, remediation: null };
}

export function fail(check: string, observed: unknown, expected: unknown, message: string, remediation: string | null): CheckOutcome {
  return { check, status: "FAIL", observed, expected, message, remediation };
}

/** The reason the agent gave for a null fact, or a generic one when it gave none. */
export function unknownReason(unknown: Unknown, path: string): string {
  return unknown[path] ?? (Object.entries(unknown).find(([key]) => path.startsWith(`${key}.`) || path.startsWith(`${key}[`))?.[1] ?? "not reported by the agent");
}

export function unknownOutcome(check: string, expected: unknown, what: string, reason: string, observed: unknown = null): CheckOutcome {
  return { check, status: "UNKNOWN", observed, expected, message: `Could not determine ${what}: ${reason}`, remediation: null };
}

/** Folds several requirements of one check: any FAIL fails it, else any UNKNOWN makes it unknown. */
export function combine(check: string, parts: CheckOutcome[], observed: unknown, expected: unknown): CheckOutcome {
  const worst: CheckStatus = parts.some((p) => p.status === "FAIL") ? "FAIL" : parts.some((p) => p.status === "UNKNOWN") ? "UNKNOWN" : "PASS";
  const relevant = parts.filter((p) => p.status === worst);
  const join = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => !!v))].join(" ") || null;
  return { check, status: worst, observed, expected, message: worst === "PASS" ? null : join(relevant.map((p) => p.message)), remediation: worst === "PASS" ? null : join(relevant.map((p) => p.remediation)) };
}
