/**
 * Facet's facts document → the view authentik accepts (authentik.ts's schema).
 *
 * Facet says "unknown" with an explicit `null` and a reason in the `unknown` map; authentik says it
 * by leaving the key out and refuses `null` anywhere below a family. So:
 *   - a `null` leaf is left out (its reason is already in `unknown`);
 *   - an object missing a key authentik requires (a disk without a mountpoint, hardware without a
 *     serial) is left out whole, and the reason is returned in `omitted`, keyed by its path in
 *     Facet's full document;
 *   - a blank string where authentik refuses blanks is left out the same way;
 *   - a fractional number where authentik wants an integer (byte counts) is rounded.
 * Keys authentik does not declare (Facet's additions) are kept, minus their nulls, so the view is
 * still a superset of authentik's shape. `vendor` is passed through untouched.
 *
 * The rules are read from the zod schema itself, so the schema stays the one place they live; it is
 * read once, into the fitters of authentik-fit.ts.
 *
 *   const { data, omitted } = toAuthentikView(snapshot.facts, snapshot.unknown);
 */
import { AuthentikFactsSchema, type AuthentikFacts } from "./authentik.ts";
import { compileFit } from "./authentik-fit.ts";
import type { Facts, Unknown } from "./schema.ts";

export interface AuthentikView {
  /**
   * What authentik accepts. Objects the view keeps unchanged are `facts`' own, not copies (as the
   * facts view hands out `facts` itself): neither is to be modified.
   */
  data: AuthentikFacts;
  /** Why something present in Facet's document is absent from `data`, keyed by its path there. */
  omitted: Record<string, string>;
}

export const OMITTED_PREFIX = "left out of authentik's view: ";

const fitFacts = compileFit(AuthentikFactsSchema);

export function toAuthentikView(facts: Facts | Record<string, unknown>, unknown: Unknown): AuthentikView {
  const fitted = fitFacts(facts, unknown);
  // A document that is not even an object (never from FactsSchema) becomes an empty view.
  if (!fitted.ok) fitted.omitted.push(["", fitted.why]);
  const omitted: Record<string, string> = {};
  for (const [path, why] of fitted.omitted) omitted[path] = OMITTED_PREFIX + why;
  return { data: (fitted.ok ? fitted.value : {}) as AuthentikFacts, omitted };
}
