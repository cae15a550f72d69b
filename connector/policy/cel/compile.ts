/**
 * Compiles custom-check expressions (CEL) once per policy version and evaluates them bounded.
 *
 * An expression sees one variable, `facts` (the facts document, the same keys authentik's
 * `device.cached_facts.data` has). Parsing is bounded by structural limits (length, nesting, AST
 * size) so a hostile expression is rejected up front; evaluation is bounded in time by
 * `runBounded`. There is no `eval` and no host function is exposed to expressions.
 */
import { Environment, type ASTNode } from "@marcbachmann/cel-js";
import { LRUCache } from "lru-cache";
import { LIMITS } from "../schema.ts";
import { runBounded } from "./bounded.ts";
import { FACTS_VARIABLE, referencedFactPaths, referencedFamilies, type FactPath } from "./paths.ts";
import sampleFacts from "./sample-facts.json" with { type: "json" };

export const CEL_LIMITS = {
  maxAstNodes: 400,
  maxDepth: 32,
  maxListElements: 64,
  maxMapEntries: 64,
  maxCallArguments: 8,
} as const;

/**
 * Time one custom check may run, and all custom checks of one policy evaluation together. Real
 * checks take microseconds; the limits are wall-clock, so they leave room for a busy machine.
 * Saving a policy allows more, so a loaded connector never rejects a sound expression.
 */
export const CEL_CHECK_TIMEOUT_MS = 100;
export const CEL_POLICY_BUDGET_MS = 300;
export const CEL_SAVE_TRIAL_TIMEOUT_MS = 500;

const environment = new Environment({ limits: CEL_LIMITS }).registerVariable(FACTS_VARIABLE, "map");

export interface CompiledExpression {
  expression: string;
  evaluate: (facts: unknown) => unknown;
  paths: FactPath[];
  /** The families it can read; null: the whole document (paths.ts). */
  families: ReadonlySet<string> | null;
  /**
   * False when the expression's cost is bounded by its size: no regex and no nested
   * comprehension. Those run directly; the rest pay for the time guard (a watchdog thread per
   * call, the largest cost of an endpoint check when every expression used it).
   */
  needsTimeGuard: boolean;
}

const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"]);

/** Regexes can backtrack exponentially; comprehensions nested twice cost |list|² or more. */
export function needsTimeGuard(root: ASTNode): boolean {
  const visit = (node: unknown, depth: number): boolean => {
    if (Array.isArray(node)) return node.some((n) => visit(n, depth));
    if (!node || typeof node !== "object" || !("op" in node)) return false;
    const ast = node as ASTNode;
    if (ast.op === "rcall" || ast.op === "call") {
      const name = ast.args[0];
      if (name === "matches") return true;
      if (ast.op === "rcall" && COMPREHENSIONS.has(name)) {
        if (depth + 1 >= 2) return true;
        return visit(ast.args[1], depth) || visit(ast.args[2], depth + 1);
      }
    }
    if (ast.op === "value" || ast.op === "id") return false;
    return visit(ast.args, depth);
  };
  return visit(root, 0);
}

export type CompileResult = { ok: true; compiled: CompiledExpression } | { ok: false; error: string };

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 300);
}

/**
 * Parses and type-checks `expression`, then runs it once against a sample facts document so an
 * expression that is slow regardless of the device (a catastrophic regex over a literal) is
 * rejected when the policy is saved rather than at every sign-in.
 */
export function compileExpression(expression: string): CompileResult {
  if (expression.length > LIMITS.expression) return { ok: false, error: `expression is longer than ${LIMITS.expression} characters` };
  let program: ReturnType<typeof environment.parse>;
  try {
    program = environment.parse(expression);
  } catch (error) {
    return { ok: false, error: firstLine(error) };
  }
  const typed = program.check();
  if (!typed.valid) return { ok: false, error: firstLine(typed.error) };
  if (typed.type !== "bool" && typed.type !== "dyn") return { ok: false, error: `expression must return a bool, not ${typed.type}` };

  const compiled: CompiledExpression = {
    expression,
    evaluate: (facts) => program({ [FACTS_VARIABLE]: facts }),
    paths: referencedFactPaths(program.ast as ASTNode),
    families: referencedFamilies(program.ast as ASTNode),
    needsTimeGuard: needsTimeGuard(program.ast as ASTNode),
  };
  const trial = runBounded(() => compiled.evaluate(sampleFacts), CEL_SAVE_TRIAL_TIMEOUT_MS);
  if (!trial.ok && trial.timedOut) return { ok: false, error: `expression took longer than ${CEL_SAVE_TRIAL_TIMEOUT_MS} ms on a sample device` };
  return { ok: true, compiled };
}

/**
 * Compiled expressions per policy version, for whoever evaluates policies (one instance per
 * connector, owned by its compliance service). Bounded so a stream of policy edits cannot grow it forever.
 *
 *   const expressions = new CompiledExpressions();
 *   const result = expressions.compiledFor(policy.id, policy.version, check.name, check.expression);
 */
export class CompiledExpressions {
  private readonly cache: LRUCache<string, CompiledExpression>;

  constructor(maxEntries = 2048) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  compiledFor(policyId: string, version: number, name: string, expression: string): CompileResult {
    const key = `${policyId}\u0000${version}\u0000${name}`;
    const hit = this.cache.get(key);
    if (hit && hit.expression === expression) return { ok: true, compiled: hit };
    const result = compileExpression(expression);
    if (result.ok) this.cache.set(key, result.compiled);
    return result;
  }

  get size(): number {
    return this.cache.size;
  }
}
