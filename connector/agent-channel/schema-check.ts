/**
 * A yes/no check compiled from a zod schema, for the document every snapshot carries.
 *
 * zod's safeParse builds a new copy of the whole ~4 KB facts document (an object per disk,
 * interface, process, user …) and collects issues as it goes; at thousands of snapshots a second
 * that was a seventh of the connector's main thread plus much of its garbage. This compiles the
 * schema once into a plain function that only answers "would zod accept this, unchanged?".
 *
 * It is conservative by construction: it understands only the zod features the protocol's
 * schemas use, each exactly (see below), and answers "no" for anything it is unsure of. A "no" is
 * not a rejection: the caller then asks zod, whose verdict and message stand. So a "yes" can be
 * trusted (schema-check.test.ts compares both on generated documents) and a "no" costs one zod
 * parse, as before. A schema using anything else compiles to null: use zod for everything.
 *
 * Accepted documents are used as parsed: for these schemas (no transforms, defaults or stripped
 * keys) zod's output equals its input.
 */
import type { z } from "zod";

export type Check = (value: unknown) => boolean;

// The subset of zod v4's internal definitions read here; anything else makes compile() give up.
interface Def {
  type: string;
  [key: string]: unknown;
}
interface CheckDef {
  check: string;
  [key: string]: unknown;
}

class Unsupported extends Error {}

function defOf(schema: unknown): Def {
  const def = (schema as { _zod?: { def?: Def } })?._zod?.def;
  if (!def || typeof def.type !== "string") throw new Unsupported("not a zod v4 schema");
  return def;
}

function checkDefs(def: Def): CheckDef[] {
  const checks = def.checks as unknown[] | undefined;
  if (checks === undefined) return [];
  return checks.map((c) => {
    const d = (c as { _zod?: { def?: CheckDef } })?._zod?.def;
    if (!d || typeof d.check !== "string") throw new Unsupported("not a zod v4 check");
    return d;
  });
}

const OWN = Object.prototype.hasOwnProperty;

/** A plain JSON object: what zod's object and record schemas accept (arrays and class instances are not). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  // JSON.parse turns a "__proto__" key into an own property; leave such documents to zod.
  return (proto === Object.prototype || proto === null) && !OWN.call(value, "__proto__");
}

/**
 * Emits JavaScript for the checks: zod's own objects are compiled the same way (new Function),
 * and generated straight-line code is several times faster than a tree of closures here. Only
 * object keys (via JSON.stringify) and numbers the schema states reach the source; patterns and
 * sets are passed in as constants.
 */
class Emitter {
  private readonly functions: string[] = [];
  private readonly names = new Map<unknown, string>();
  readonly constants: unknown[] = [];

  constant(value: unknown): string {
    this.constants.push(value);
    return `c[${this.constants.length - 1}]`;
  }

  /** A boolean expression over the identifier `x` (evaluated once per use, so `x` must be a plain variable). */
  expression(schema: unknown, x: string): string {
    const def = defOf(schema);
    // Coercion changes the value; refinements and transforms are code this cannot mirror.
    if (def.coerce) throw new Unsupported("coercion");
    if (def.type !== "string" && def.type !== "number" && def.type !== "array" && Array.isArray(def.checks) && def.checks.length > 0) {
      throw new Unsupported(`checks on ${def.type}`);
    }
    switch (def.type) {
      case "string":
        return this.string(def, x);
      case "number":
        return this.number(def, x);
      case "boolean":
        return `typeof ${x} === "boolean"`;
      case "unknown":
        return "true";
      case "literal":
        return `${this.constant(new Set(def.values as unknown[]))}.has(${x})`;
      case "enum":
        return `(typeof ${x} === "string" && ${this.constant(new Set(Object.values(def.entries as Record<string, unknown>)))}.has(${x}))`;
      case "nullable":
        return `(${x} === null || ${this.expression(def.innerType, x)})`;
      case "optional":
        return `(${x} === undefined || ${this.expression(def.innerType, x)})`;
      case "object":
      case "array":
      case "record":
        return `${this.function(schema, def)}(${x})`;
      default:
        throw new Unsupported(def.type);
    }
  }

  /** The generated source: every function, the first one being the root's. */
  source(root: string): string {
    return `${this.functions.join("\n")}\nreturn ${root};`;
  }

  private lengths(def: Def, x: string): string {
    return checkDefs(def)
      .map((c) => {
        if (c.check === "min_length" && Number.isSafeInteger(c.minimum)) return ` && ${x}.length >= ${c.minimum as number}`;
        if (c.check === "max_length" && Number.isSafeInteger(c.maximum)) return ` && ${x}.length <= ${c.maximum as number}`;
        // z.string().regex(…)
        if (def.type === "string" && c.check === "string_format" && c.format === "regex") return ` && ${this.pattern(c.pattern)}.test(${x})`;
        throw new Unsupported(`${def.type} check ${c.check}`);
      })
      .join("");
  }

  private string(def: Def, x: string): string {
    let code = `(typeof ${x} === "string"${this.lengths(def, x)}`;
    // z.iso.datetime() and friends: the schema is itself a format check with its pattern.
    if (def.check !== undefined || def.format !== undefined) {
      if (def.check !== "string_format") throw new Unsupported("string format");
      code += ` && ${this.pattern(def.pattern)}.test(${x})`;
    }
    return `${code})`;
  }

  private pattern(pattern: unknown): string {
    if (!(pattern instanceof RegExp)) throw new Unsupported("string format without a pattern");
    if (pattern.global || pattern.sticky) throw new Unsupported("stateful pattern");
    return this.constant(pattern);
  }

  private number(def: Def, x: string): string {
    // zod refuses NaN and ±Infinity (JSON.parse makes Infinity of 1e999).
    let code = `(typeof ${x} === "number" && Number.isFinite(${x})`;
    for (const c of checkDefs(def)) {
      if (c.check === "number_format" && c.format === "safeint") code += ` && Number.isSafeInteger(${x})`;
      else if ((c.check === "greater_than" || c.check === "less_than") && typeof c.value === "number" && Number.isFinite(c.value) && typeof c.inclusive === "boolean") {
        const op = c.check === "greater_than" ? (c.inclusive ? ">=" : ">") : c.inclusive ? "<=" : "<";
        code += ` && ${x} ${op} ${this.constant(c.value)}`;
      } else throw new Unsupported(`number check ${c.check}`);
    }
    return `${code})`;
  }

  /** Objects, arrays and records get a function each, shared by every place the same schema is used. */
  private function(schema: unknown, def: Def): string {
    const known = this.names.get(schema);
    if (known) return known;
    const name = `f${this.names.size}`;
    this.names.set(schema, name);
    const body = def.type === "object" ? this.objectBody(def) : def.type === "array" ? this.arrayBody(def) : this.recordBody(def);
    this.functions.push(`function ${name}(v) {\n${body}\n}`);
    return name;
  }

  private objectBody(def: Def): string {
    const shape = def.shape as Record<string, unknown>;
    const catchall = def.catchall === undefined ? "strip" : defOf(def.catchall).type;
    // A plain z.object() strips unknown keys: its output differs from its input, so not here.
    if (catchall !== "never" && catchall !== "unknown") throw new Unsupported(`object catchall ${catchall}`);
    const lines = ["if (!isPlainObject(v)) return false;", "let x;"];
    for (const key of Object.keys(shape)) {
      const k = JSON.stringify(key);
      // An optional key may be absent; every other key must be present (undefined would fail its schema).
      const optional = defOf(shape[key]).type === "optional";
      lines.push(`x = v[${k}];`);
      lines.push(
        optional
          ? `if (x === undefined) { if (own.call(v, ${k})) return false; } else if (!(${this.expression(shape[key], "x")})) return false;`
          : `if (x === undefined || !(${this.expression(shape[key], "x")})) return false;`,
      );
    }
    if (catchall === "never") lines.push(`for (const k in v) if (!${this.constant(new Set(Object.keys(shape)))}.has(k)) return false;`);
    lines.push("return true;");
    return lines.join("\n");
  }

  private arrayBody(def: Def): string {
    return [
      `if (!(Array.isArray(v)${this.lengths(def, "v")})) return false;`,
      "for (let i = 0; i < v.length; i++) { const x = v[i]; if (!(" + this.expression(def.element, "x") + ")) return false; }",
      "return true;",
    ].join("\n");
  }

  private recordBody(def: Def): string {
    if (defOf(def.keyType).type !== "string") throw new Unsupported("record key type");
    return [
      "if (!isPlainObject(v)) return false;",
      `for (const k in v) { const x = v[k]; if (!(${this.expression(def.keyType, "k")}) || !(${this.expression(def.valueType, "x")})) return false; }`,
      "return true;",
    ].join("\n");
  }
}

/** The check for `schema`, or null when it uses a zod feature this does not mirror exactly. */
export function compileCheck(schema: z.ZodType): Check | null {
  try {
    const emitter = new Emitter();
    const root = emitter.expression(schema, "x");
    const source = emitter.source("(x) => " + root);
    return new Function("c", "isPlainObject", "own", source)(emitter.constants, isPlainObject, OWN) as Check;
  } catch (error) {
    // EvalError: code generation is disallowed in this process (--disallow-code-generation-from-strings).
    if (error instanceof Unsupported || error instanceof EvalError) return null;
    throw error;
  }
}
