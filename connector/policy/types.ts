/** The shapes evaluation speaks: one check's outcome, a policy's result, grace state. */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import type { OsCatalog } from "./catalog/schema.ts";
import type { CompiledExpressions } from "./cel/compile.ts";
import type { Platform, Policy } from "./schema.ts";
import type { CheckOutcomeMemo } from "./outcome-memo.ts";

export type CheckStatus = "PASS" | "FAIL" | "UNKNOWN";
export type PolicyResult = "PASS" | "FAIL" | "UNKNOWN" | "GRACE";

/** What one check found, before grace and freshness are applied. */
export interface CheckOutcome {
  /** `osVersion`, `diskEncryptionType`, …, `custom:<name>`: the policy field it enforces. */
  check: string;
  status: CheckStatus;
  observed: unknown;
  expected: unknown;
  /** For people: why it failed or is unknown (null when it passed). */
  message: string | null;
  remediation: string | null;
  /**
   * `os_catalog_stale`: an UNKNOWN that the age of the OS release catalog caused (with a current one
   * it would not be UNKNOWN). `policy_error`: a FAIL the policy itself caused (a custom check that
   * does not compile, runs out of time or returns a non-bool), not the device.
   */
  cause?: "os_catalog_stale" | "policy_error";
}

export interface CheckResult extends CheckOutcome {
  firstFailedAt: string | null;
  lastPassedAt: string | null;
  /** Set while a failing check is inside the policy's grace period. */
  graceUntil: string | null;
}

/** Per device × policy × check, kept by the store between evaluations. Epoch ms. */
export interface CheckState {
  firstFailedAt: number | null;
  lastPassedAt: number | null;
}

/** What a check reads. `facts` is never null here: a device without facts gets an all-null document. */
export interface CheckContext {
  policy: Policy;
  facts: Facts;
  unknown: Unknown;
  catalog: OsCatalog;
  /** Past this age the catalog cannot vouch for "latest" (default DEFAULT_CATALOG_MAX_AGE_DAYS). */
  catalogMaxAgeDays?: number;
  now: number;
  /** Custom checks' compiled expressions, kept by the caller between evaluations. */
  expressions: CompiledExpressions;
}

export interface EvaluationInput {
  policy: Policy;
  facts: Facts | null;
  unknown: Unknown;
  /** When the facts were collected (epoch ms), null when the device never reported. */
  collectedAt: number | null;
  catalog: OsCatalog;
  catalogMaxAgeDays?: number;
  /** The connector's fact age limit for policies without `maxFactAge` (ISO 8601 duration); none when absent. */
  defaultMaxFactAge?: string;
  now: number;
  state: ReadonlyMap<string, CheckState>;
  /** Custom checks' compiled expressions, kept by the caller between evaluations. */
  expressions: CompiledExpressions;
  /** Checks' outcomes kept by the caller between evaluations, for `facts` documents that never change (outcome-memo.ts). */
  outcomes?: CheckOutcomeMemo;
}

export interface PolicyEvaluation {
  policyId: string;
  policyName: string;
  platform: Platform;
  /** False when the device runs another platform than the policy's: such a policy does not apply. */
  applicable: boolean;
  result: PolicyResult;
  passing: boolean;
  checks: CheckResult[];
  /** Seconds since the facts were collected; null without facts. */
  factsAge: number | null;
  /** Check states to store after this evaluation (only those that changed). */
  stateUpdates: Map<string, CheckState>;
}
