/** How a device fares against device assurance policies, as evaluations and sign-in checks answer it. */
import { z } from "zod";
import { IsoTime } from "./contract.ts";

export const PolicyResultSchema = z.enum(["PASS", "FAIL", "UNKNOWN", "GRACE"]);

/** One check of one policy (connector/policy/types.ts CheckResult). */
export const CheckResultSchema = z.object({
  /** `osVersion`, `diskEncryptionType`, …, `custom:<name>`: the policy field it enforces. */
  check: z.string(),
  status: z.enum(["PASS", "FAIL", "UNKNOWN"]),
  observed: z.unknown(),
  expected: z.unknown(),
  message: z.string().nullable(),
  remediation: z.string().nullable(),
  cause: z.enum(["os_catalog_stale", "policy_error"]).optional(),
  firstFailedAt: IsoTime.nullable(),
  lastPassedAt: IsoTime.nullable(),
  /** Set while a failing check is inside the policy's grace period. */
  graceUntil: IsoTime.nullable(),
});

/** One policy's evaluation of one device. */
export const PolicyEvaluationSchema = z.object({
  policyId: z.string(),
  name: z.string(),
  platform: z.string(),
  /** False when the device runs another platform than the policy's. */
  applicable: z.boolean(),
  result: PolicyResultSchema,
  passing: z.boolean(),
  /** Seconds since the facts were collected; null without facts. */
  factsAge: z.number().nullable(),
  checks: z.array(CheckResultSchema),
});

/** Several policies for one device: the applicable ones must all pass. */
export const CombinedEvaluationSchema = z.object({
  result: PolicyResultSchema,
  passing: z.boolean(),
  factsAge: z.number().nullable(),
  checks: z.array(CheckResultSchema.extend({ policyId: z.string() })),
  policies: z.array(PolicyEvaluationSchema),
});
