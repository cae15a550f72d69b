/**
 * The inventories: the fact families that are long lists (installed software, processes, local
 * users and groups), most of a real snapshot's size. No built-in check reads them, so a sign-in
 * evaluates from a policy snapshot that leaves them out (lookup/policy-snapshot.ts) unless a
 * custom check can read one.
 */
import type { CompiledExpressions } from "./cel/compile.ts";
import type { Policy } from "./schema.ts";

export const INVENTORY_FAMILIES: ReadonlySet<string> = new Set(["software", "processes", "users", "groups"]);

/**
 * Whether evaluating `policy` can read an inventory. A custom check that does not compile reads
 * nothing (it fails as a policy error); one that can read the whole document counts as reading them.
 */
export function readsInventory(policy: Policy, expressions: CompiledExpressions): boolean {
  return (policy.customChecks ?? []).some((custom) => {
    const compiled = expressions.compiledFor(policy.id, policy.version, custom.name, custom.expression);
    if (!compiled.ok) return false;
    const { families } = compiled.compiled;
    return families === null || [...families].some((family) => INVENTORY_FAMILIES.has(family));
  });
}
