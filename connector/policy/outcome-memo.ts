/**
 * What a policy's checks found for one facts document, before freshness and grace: kept by whoever
 * owns the memo (one per ComplianceService) for as long as nothing the checks read can change, so a
 * device signing in again with the same snapshot is not checked again.
 *
 * The checks are a pure function of the policy, the facts and unknown map, the catalog, its age
 * limit, the compiled expressions and `now`; `now` only through catalog dates (every one a
 * midnight UTC, checked per catalog) and the catalog's staleness, which moves at a midnight or at
 * the instant a future confirmation becomes trusted (catalog/freshness.ts). So an entry holds within
 * that interval only, and only for the very objects it was computed from: callers pass facts
 * documents that never change (a stored snapshot's), a new snapshot is a new document. Outcomes
 * that custom checks' time budget or errors decided (`policy_error`) are never kept: a run under
 * less load may decide otherwise.
 *
 *   const memo = new CheckOutcomeMemo();
 *   evaluatePolicy({ ...input, outcomes: memo });
 */
import { everyDateMidnight } from "./catalog/index.ts";
import { stalenessVerdict } from "./catalog/freshness.ts";
import type { OsCatalog } from "./catalog/schema.ts";
import type { CompiledExpressions } from "./cel/compile.ts";
import type { Platform, Policy } from "./schema.ts";
import type { CheckContext, CheckOutcome } from "./types.ts";

interface Held {
  unknown: object;
  catalog: OsCatalog;
  catalogMaxAgeDays: number | undefined;
  expressions: CompiledExpressions;
  from: number;
  until: number;
  outcomes: readonly CheckOutcome[];
}

const CATALOG_PLATFORM: Record<Platform, "macos" | "windows" | "linux"> = { MACOS: "macos", WINDOWS: "windows", LINUX: "linux" };

export class CheckOutcomeMemo {
  /** Per facts document, per policy object: both held weakly, so entries go with the snapshot or the policy version. */
  private readonly byFacts = new WeakMap<object, WeakMap<Policy, Held>>();

  /** `run()`'s outcomes for `ctx`, or the ones held for the same inputs at an instant when they cannot have changed. */
  outcomes(ctx: CheckContext, run: () => CheckOutcome[]): readonly CheckOutcome[] {
    const { facts, policy, now } = ctx;
    const held = this.byFacts.get(facts)?.get(policy);
    if (
      held !== undefined &&
      now >= held.from &&
      now < held.until &&
      held.unknown === ctx.unknown &&
      held.catalog === ctx.catalog &&
      held.catalogMaxAgeDays === ctx.catalogMaxAgeDays &&
      held.expressions === ctx.expressions
    )
      return held.outcomes;
    const outcomes = run();
    if (!everyDateMidnight(ctx.catalog) || outcomes.some((o) => o.cause === "policy_error")) return outcomes;
    const { from, until } = stalenessVerdict(ctx.catalog, now, ctx.catalogMaxAgeDays, CATALOG_PLATFORM[policy.platform]);
    let byPolicy = this.byFacts.get(facts);
    if (!byPolicy) this.byFacts.set(facts, (byPolicy = new WeakMap()));
    const kept = Object.freeze(outcomes.map((o) => Object.freeze(o)));
    byPolicy.set(policy, { unknown: ctx.unknown, catalog: ctx.catalog, catalogMaxAgeDays: ctx.catalogMaxAgeDays, expressions: ctx.expressions, from, until, outcomes: kept });
    return kept;
  }
}
