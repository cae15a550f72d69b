/**
 * The fact paths a CEL expression reads, found in its AST.
 *
 * A custom check over a null fact must be UNKNOWN, never a pass by default: `manufacturer != "Dell"`
 * is true for a null manufacturer. So before evaluating, every `facts.a.b` / `facts["a"]["b"]`
 * chain the expression reads is resolved; if one is null or missing, the check is UNKNOWN.
 * Chains through comprehension variables (`facts.disks.all(d, d.x)`) contribute their range
 * (`disks`); nulls inside elements surface as evaluation errors, handled by the caller.
 */
import type { ASTNode } from "@marcbachmann/cel-js";

export type FactPath = (string | number)[];

export const FACTS_VARIABLE = "facts";

/** The `facts` chain a member access spells, or null when it is rooted elsewhere or indexed dynamically. */
function chainOf(node: ASTNode): FactPath | null {
  if (node.op === "id") return node.args === FACTS_VARIABLE ? [] : null;
  if (node.op === "." || node.op === ".?") {
    const base = chainOf(node.args[0]);
    return base ? [...base, node.args[1]] : null;
  }
  if (node.op === "[]" || node.op === "[?]") {
    const index = node.args[1];
    if (index.op !== "value" || (typeof index.args !== "string" && typeof index.args !== "bigint")) return null;
    const base = chainOf(node.args[0]);
    return base ? [...base, typeof index.args === "bigint" ? Number(index.args) : index.args] : null;
  }
  return null;
}

/** Every `facts` chain an expression spells (each once), and whether it uses `facts` other than through one. */
function factChains(root: ASTNode): { chains: FactPath[]; bare: boolean } {
  const found = new Map<string, FactPath>();
  let bare = false;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object" || !("op" in node)) return;
    const ast = node as ASTNode;
    const chain = chainOf(ast);
    if (chain && chain.length > 0) {
      found.set(formatFactPath(chain), chain);
      return;
    }
    if (ast.op === "id") {
      if (ast.args === FACTS_VARIABLE) bare = true;
      return;
    }
    if (ast.op === "value") return;
    visit(ast.args);
  };
  visit(root);
  return { chains: [...found.values()], bare };
}

export function referencedFactPaths(root: ASTNode): FactPath[] {
  return factChains(root).chains;
}

/**
 * The fact families (first steps of `facts` chains) an expression can read, or null when it can
 * read the whole document: `facts` used other than through a constant member or index
 * (`size(facts)`, `facts[key]`, `facts.exists(k, …)`). A macro variable named `facts` shadows the
 * document; its chains count as reads too, which only overstates.
 */
export function referencedFamilies(root: ASTNode): ReadonlySet<string> | null {
  const { chains, bare } = factChains(root);
  return bare ? null : new Set(chains.map((chain) => String(chain[0])));
}

/** `hardware.manufacturer`, `disks[0].encryption_enabled`: the snapshot `unknown` map's key style. */
export function formatFactPath(path: FactPath): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

/** The value at `path`, or undefined when any step is missing or null. */
export function resolveFactPath(facts: unknown, path: FactPath): unknown {
  let current: unknown = facts;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current === null ? undefined : current;
}
