/**
 * Device assurance policy documents, in Okta's shape.
 *
 * Field names follow Okta's Device Assurance API where a field applies to desktops, so a policy
 * exported from Okta (or written from its docs) is accepted as is; Facet adds `LINUX`,
 * `firewallEnabled`, `secureBootEnabled`, `maxFactAge`, `unknownAs` and `customChecks`.
 * Objects are strict: a misspelt or unsupported field is a 400 naming it, never silently ignored,
 * because an ignored requirement is a device let in that should not be. The read-only fields
 * Okta returns (`id`, `createdDate`, `_links`, …) are accepted and dropped so GET → edit → PUT works.
 *
 * Okta's rules about invalid combinations live in `rules.ts`.
 */
import { z } from "zod";
import { checkOktaRules } from "./rules.ts";

export const PLATFORMS = ["MACOS", "WINDOWS", "LINUX"] as const;
/** Okta platforms Facet has no agent for: rejected with a 400 that says so. */
export const AGENTLESS_PLATFORMS = ["ANDROID", "IOS", "CHROMEOS"] as const;
export type Platform = (typeof PLATFORMS)[number];

export const DYNAMIC_TYPES = ["MINIMUM", "EXACT", "EXACT_ANY_SUPPORTED"] as const;
export const WINDOWS_MAJORS = ["WINDOWS_10", "WINDOWS_11"] as const;
export type WindowsMajor = (typeof WINDOWS_MAJORS)[number];

/** Read-only fields of Okta's policy object, ignored on input. */
export const READ_ONLY_FIELDS = ["id", "createdBy", "createdDate", "lastUpdate", "lastUpdatedBy", "_links", "version"] as const;

export const LIMITS = {
  name: 255,
  customChecks: 32,
  expression: 1024,
  message: 512,
  remediation: 2048,
} as const;

const version = z.string().max(32).regex(/^\d{1,9}(\.\d{1,9}){0,3}$/, "expected a dotted version such as 14.6.1 or 10.0.22631.4037");

export const DynamicVersionRequirementSchema = z.strictObject({
  type: z.enum(DYNAMIC_TYPES),
  distanceFromLatestMajor: z.number().int().min(0).max(1).optional(),
  latestSecurityPatch: z.boolean().optional(),
});

export const OsVersionSchema = z.strictObject({
  minimum: version.optional(),
  dynamicVersionRequirement: DynamicVersionRequirementSchema.optional(),
});

export const OsVersionConstraintSchema = z.strictObject({
  majorVersionConstraint: z.enum(WINDOWS_MAJORS),
  minimum: version.optional(),
  dynamicVersionRequirement: z
    .strictObject({
      type: z.enum([...DYNAMIC_TYPES, "NOT_ALLOWED"]),
      distanceFromLatestMajor: z.number().int().min(0).max(1).optional(),
      latestSecurityPatch: z.boolean().optional(),
    })
    .optional(),
});

export const GracePeriodSchema = z.strictObject({
  type: z.enum(["BY_DURATION", "BY_DATE_TIME"]),
  /** ISO-8601: a duration (`P30D`) for BY_DURATION, a date-time with offset for BY_DATE_TIME. */
  expiry: z.string().min(1).max(64),
});

export const CustomCheckSchema = z.strictObject({
  name: z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, "letters, digits, space, _ . - (starting with a letter or digit)"),
  /** CEL over `facts` (the facts document); must evaluate to a bool. */
  expression: z.string().min(1).max(LIMITS.expression),
  message: z.string().min(1).max(LIMITS.message),
  remediation: z.string().max(LIMITS.remediation).optional(),
});

export const PolicyBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(LIMITS.name),
    platform: z.enum(PLATFORMS),
    osVersion: OsVersionSchema.optional(),
    osVersionConstraints: z.array(OsVersionConstraintSchema).min(1).max(2).optional(),
    diskEncryptionType: z.strictObject({ include: z.array(z.literal("ALL_INTERNAL_VOLUMES")).min(1).max(1) }).optional(),
    screenLockType: z.strictObject({ include: z.array(z.enum(["PASSCODE", "BIOMETRIC"])).min(1).max(2) }).optional(),
    secureHardwarePresent: z.boolean().optional(),
    gracePeriod: GracePeriodSchema.optional(),
    displayRemediationMode: z.enum(["SHOW", "HIDE"]).optional(),
    // Facet additions.
    firewallEnabled: z.boolean().optional(),
    secureBootEnabled: z.boolean().optional(),
    /** ISO-8601 duration; facts older than this make every check UNKNOWN. */
    maxFactAge: z.string().min(1).max(64).optional(),
    unknownAs: z.enum(["FAIL", "PASS"]).optional(),
    customChecks: z.array(CustomCheckSchema).max(LIMITS.customChecks).optional(),
  })
  .superRefine(checkOktaRules);

export type PolicyBody = z.infer<typeof PolicyBodySchema>;

/** How many policies one evaluation or sign-in check may name. */
export const MAX_POLICIES_PER_CALL = 20;

export const PolicyIdsSchema = z.array(z.string().min(1).max(64)).max(MAX_POLICIES_PER_CALL);
export type CustomCheck = z.infer<typeof CustomCheckSchema>;
export type DynamicVersionRequirement = z.infer<typeof DynamicVersionRequirementSchema>;
export type OsVersionConstraint = z.infer<typeof OsVersionConstraintSchema>;

/** A stored policy: the body plus what the connector owns. */
export interface Policy extends PolicyBody {
  id: string;
  /** Increases on every replace; compiled CEL is cached per (id, version). */
  version: number;
  createdDate: string;
  lastUpdate: string;
}
