/** Small constructors shared by the checks, so every check words unknowns the same way. */
import type { Unknown } from "../../../shared/facts/schema.ts";
import { staleCatalogNote } from "../catalog/freshness.ts";
import type { CheckContext, CheckOutcome, CheckStatus } from "../types.ts";

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

/**
 * The UNKNOWN a dynamic OS requirement becomes when the catalog is too old to say what is "latest"
 * (or still supported) today, or null while it is current. Callers use it for every PASS and for
 * a FAIL that a newer release could turn around; a FAIL against the old catalog's "latest" needs
 * no guard, because the real latest is never older than the catalog's.
 */
export function staleCatalogOutcome(ctx: CheckContext, check: string, observed: unknown, expected: unknown): CheckOutcome | null {
  const note = staleCatalogNote(ctx.catalog, ctx.now, ctx.catalogMaxAgeDays, CATALOG_PLATFORM[ctx.policy.platform]);
  if (note === null) return null;
  return { check, status: "UNKNOWN", observed, expected, message: staleCatalogSentence(note), remediation: null, cause: "os_catalog_stale" };
}

const CATALOG_PLATFORM = { MACOS: "macos", WINDOWS: "windows", LINUX: "linux" } as const;

/** The last note's sentence, as unknownOutcome words it: one text while the note stays the same, not a new one per check. */
let lastSentence: { note: string; text: string } | null = null;

function staleCatalogSentence(note: string): string {
  if (lastSentence?.note !== note) lastSentence = { note, text: unknownOutcome("", null, "the latest OS releases", note).message! };
  return lastSentence.text;
}

/** A PASS that rests on the catalog being current: UNKNOWN once it is stale, never a pass on old data. */
export function passIfCatalogCurrent(ctx: CheckContext, check: string, observed: unknown, expected: unknown): CheckOutcome {
  return staleCatalogOutcome(ctx, check, observed, expected) ?? pass(check, observed, expected);
}

/** Folds several requirements of one check: any FAIL fails it, else any UNKNOWN makes it unknown. */
export function combine(check: string, parts: CheckOutcome[], observed: unknown, expected: unknown): CheckOutcome {
  const worst: CheckStatus = parts.some((p) => p.status === "FAIL") ? "FAIL" : parts.some((p) => p.status === "UNKNOWN") ? "UNKNOWN" : "PASS";
  const relevant = parts.filter((p) => p.status === worst);
  const join = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => !!v))].join(" ") || null;
  const cause = relevant.find((p) => p.cause)?.cause;
  return {
    check,
    status: worst,
    observed,
    expected,
    message: worst === "PASS" ? null : join(relevant.map((p) => p.message)),
    remediation: worst === "PASS" ? null : join(relevant.map((p) => p.remediation)),
    ...(cause ? { cause } : {}),
  };
}
