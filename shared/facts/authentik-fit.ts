/**
 * authentik's zod schema (authentik.ts) compiled into fitters: one closure per schema node that
 * turns a value of Facet's document into what authentik's view keeps of it (authentik-view.ts says
 * what that is). Asking zod value by value — a `safeParse` per scalar, a `safeParse(undefined)` per
 * key to learn whether it is required — made the view the connector's biggest CPU cost on a real
 * document, so each node of the schema is read once instead:
 *   - an object knows its fields' fitters and which fields are required;
 *   - a list knows its element's fitter;
 *   - a scalar keeps without asking zod the values zod certainly accepts, for the kinds read here
 *     (a string, optionally with one `.refine(fn)`, which is called; a number, optionally `.int()`;
 *     a boolean; an enum). Every other value, and every kind not read here, is decided by zod's own
 *     `safeParse`, with the view's repairs (rounding, "empty") as before.
 * So the rules, the not-blank refine included, are still written only in authentik.ts.
 *
 * Objects the view keeps unchanged are returned as they are, not copied.
 */
import { z } from "zod";
import { joinFactPath } from "./paths.ts";
import type { Unknown } from "./schema.ts";

export type Fitted =
  | { ok: true; value: unknown; omitted: Array<[path: string, why: string]> }
  | { ok: false; why: string; omitted: Array<[path: string, why: string]> };

/** Compiles `schema` once; the function returned fits a document (a value at the root path "") to it. */
export function compileFit(schema: z.ZodType): (document: unknown, unknown: Unknown) => Fitted {
  const root = compileNode(schema);
  return (document, unknown) => {
    const walk: Walk = { unknown, at: [], omitted: [], why: "", forInIsOwn: !hasEnumerableKey(Object.prototype) };
    const value = fitChild(root, document, walk, "");
    return value === REFUSED ? { ok: false, why: walk.why, omitted: walk.omitted } : { ok: true, value, omitted: walk.omitted };
  };
}

/** What a fitter returns for a value the view leaves out; why is in `Walk.why`. */
const REFUSED: unique symbol = Symbol("refused by authentik's rules");

interface Walk {
  readonly unknown: Unknown;
  /** The keys and list indexes from the document's root to the object or list being fitted. */
  readonly at: Array<string | number>;
  /**
   * What was left out, in the order found. An object that is itself left out takes back what was
   * found inside it: those reasons would point at nothing.
   */
  readonly omitted: Array<[path: string, why: string]>;
  /** Why the most recent REFUSED was returned. */
  why: string;
  /** Whether `for…in` over a plain object lists only its own keys: nothing enumerable was added to Object.prototype. */
  readonly forInIsOwn: boolean;
}

function hasEnumerableKey(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/** Fits a value that is neither null nor undefined: what the view keeps of it, or REFUSED. */
type Fitter = (value: unknown, walk: Walk) => unknown;

interface Node {
  fit: Fitter;
  /** An object or a list: what is left out inside it is reported at paths below its own. */
  nested: boolean;
}

const compiled = new WeakMap<z.ZodType, Node>();

/** `.optional()` and `.nullable()` change only whether a field is required: their inner node is compiled. */
function compileNode(schema: z.ZodType): Node {
  const inner = unwrap(schema);
  let node = compiled.get(inner);
  if (!node) {
    if (inner instanceof z.ZodObject) node = { fit: objectFitter(inner), nested: true };
    else if (inner instanceof z.ZodArray) node = { fit: arrayFitter(inner), nested: true };
    else node = { fit: scalarFitter(inner), nested: false };
    compiled.set(inner, node);
  }
  return node;
}

/**
 * Fits the value at `key` of the object or list at `walk.at`. The path is kept only for nested
 * values, and built only when something is left out: it is needed only to say where.
 */
function fitChild(node: Node, value: unknown, walk: Walk, key: string | number): unknown {
  if (value === null || value === undefined) {
    return refuse(walk, `unknown (${walk.unknown[childPath(walk, key)] ?? "no reason recorded"})`);
  }
  if (!node.nested) return node.fit(value, walk);
  walk.at.push(key);
  const fitted = node.fit(value, walk);
  walk.at.pop();
  return fitted;
}

/** The path of `key` below the object or list being fitted, as the `unknown` map and `omitted` key it. */
function childPath(walk: Walk, key: string | number): string {
  let path = "";
  for (const k of walk.at) path = typeof k === "number" ? `${path}[${k}]` : joinFactPath(path, k);
  return typeof key === "number" ? `${path}[${key}]` : joinFactPath(path, key);
}

function refuse(walk: Walk, why: string): typeof REFUSED {
  walk.why = why;
  return REFUSED;
}

interface Field {
  node: Node;
  required: boolean;
}

/** How many leading keys of an object the lookup memo covers: it stays small whatever a document holds. */
const REMEMBERED_POSITIONS = 32;

function objectFitter(schema: z.ZodObject): Fitter {
  const shape = schema.shape as Record<string, z.ZodType>;
  // A Map, not the shape itself: a document key such as `constructor` must not find Object.prototype's.
  const fields = new Map<string, Field>();
  for (const [key, field] of Object.entries(shape)) {
    fields.set(key, { node: compileNode(field), required: !field.safeParse(undefined).success });
  }
  const required = [...fields].filter(([, f]) => f.required).map(([key]) => key);
  // The objects of a list nearly always have the same keys in the same order: comparing a key with
  // the previous object's at the same position is cheaper than looking it up.
  const lastKeys: string[] = [];
  const lastFields: Array<Field | undefined> = [];
  return (value, walk) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return refuse(walk, "not an object");
    // A plain object's keys are read with `for…in`, much cheaper than Object.keys and keyed reads;
    // anything else is first copied, own keys only, into an object without a prototype.
    const plain = walk.forInIsOwn && Object.getPrototypeOf(value) === Object.prototype;
    const source = plain ? (value as Record<string, unknown>) : ownEntries(value);
    // An object the view keeps as it is is not copied: `out` is made only once something differs.
    // Only a plain object is kept as is, so JSON.stringify cannot find a toJSON the copy lacks.
    let out: Record<string, unknown> | undefined = plain ? undefined : {};
    const mark = walk.omitted.length;
    let requiredKept = 0;
    let i = -1;
    for (const k in source) {
      i++;
      const v = source[k];
      let field: Field | undefined;
      if (lastKeys[i] === k) field = lastFields[i];
      else {
        field = fields.get(k);
        if (i < REMEMBERED_POSITIONS) {
          lastKeys[i] = k;
          lastFields[i] = field;
        }
      }
      let r: unknown;
      // `__proto__` is left out: assigned to a new object it would set its prototype rather than
      // add a key, and the view's JSON never had it.
      if (field === undefined) r = k === "__proto__" ? undefined : withoutNulls(v);
      else {
        r = fitChild(field.node, v, walk, k);
        if (r === REFUSED) {
          if (field.required) {
            walk.omitted.length = mark;
            return refuse(walk, `authentik requires ${k}, which is ${walk.why}`);
          }
          // A null leaf already has its reason in `unknown`; anything else left out needs one.
          if (v !== null && v !== undefined) walk.omitted.push([childPath(walk, k), walk.why]);
          r = undefined;
        } else if (field.required) requiredKept++;
      }
      if (out === undefined && (r === undefined || r !== v)) out = entriesBefore(source, i);
      if (out !== undefined && r !== undefined) out[k] = r;
    }
    const view = out ?? (value as Record<string, unknown>);
    if (requiredKept < required.length) {
      const missing = required.find((k) => !Object.hasOwn(view, k));
      walk.omitted.length = mark;
      return refuse(walk, `authentik requires ${missing}, which is missing`);
    }
    return view;
  };
}

/** A new object with the first `count` keys of `source`. */
function entriesBefore(source: Record<string, unknown>, count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let i = 0;
  for (const k in source) {
    if (i++ === count) break;
    out[k] = source[k];
  }
  return out;
}

/** `value`'s own enumerable keys and their values, in a prototype-less object so `for…in` lists only them. */
function ownEntries(value: object): Record<string, unknown> {
  const entries = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) entries[k] = v;
  return entries;
}

function arrayFitter(schema: z.ZodArray): Fitter {
  const element = compileNode(schema.element as z.ZodType);
  return (value, walk) => {
    if (!Array.isArray(value)) return refuse(walk, "not a list");
    const items: unknown[] = [];
    const length = value.length;
    for (let i = 0; i < length; i++) {
      // A hole is skipped, not refused as unknown, as Array.prototype.forEach skipped it before.
      if (!(i in value)) continue;
      const r = fitChild(element, value[i], walk, i);
      if (r !== REFUSED) items.push(r);
      else walk.omitted.push([childPath(walk, i), walk.why]);
    }
    return items;
  };
}

function scalarFitter(schema: z.ZodType): Fitter {
  const byZod: Fitter = (value, walk) => fitScalarByZod(schema, value, walk);
  return fastScalarFitter(schema, byZod) ?? byZod;
}

/** The decision for whatever the fast path does not accept: zod's, with the view's repairs. */
function fitScalarByZod(schema: z.ZodType, value: unknown, walk: Walk): unknown {
  if (schema.safeParse(value).success) return value;
  if (typeof value === "number" && Number.isFinite(value) && schema.safeParse(Math.round(value)).success) return Math.round(value);
  if (typeof value === "string" && value.trim() === "") return refuse(walk, "empty");
  const issue = schema.safeParse(value).error?.issues[0];
  return refuse(walk, issue?.message ?? "refused by authentik's rules");
}

/**
 * A fitter that keeps, without asking zod, values `schema` certainly accepts, as read from zod's
 * definition of it, and hands every other value to `byZod`; undefined when the schema is of a kind
 * not recognized here. Recognized: a string, a number, a boolean, an enum, with `.int()` on a number
 * and one `.refine(fn)` on a string. Coercion, string formats and every other check are left to zod.
 * Each kind has its own closure so each call site stays simple for the JIT.
 */
function fastScalarFitter(schema: z.ZodType, byZod: Fitter): Fitter | undefined {
  const def = schema._zod.def as z.core.$ZodTypeDef & { coerce?: boolean; format?: string };
  if (def.coerce || def.format !== undefined || schema._zod.traits.has("$ZodCheck")) return undefined;
  let int = false;
  const refines: Array<(value: unknown) => unknown> = [];
  for (const check of def.checks ?? []) {
    const c = check._zod.def as z.core.$ZodCheckDef & { fn?: unknown; format?: string };
    if (c.check === "number_format" && c.format === "safeint") int = true;
    else if (c.check === "custom" && check instanceof z.ZodCustom && typeof c.fn === "function") refines.push(c.fn as (value: unknown) => unknown);
    else return undefined;
  }
  if (schema instanceof z.ZodString && !int && refines.length <= 1) {
    const [refine] = refines;
    // zod passes a value when a refine returns anything truthy; only a plain `true` is taken here, so
    // a refine answering with a promise still goes to zod (which refuses async work in safeParse).
    if (refine) return (v, walk) => (typeof v === "string" && refine(v) === true ? v : byZod(v, walk));
    return (v, walk) => (typeof v === "string" ? v : byZod(v, walk));
  }
  if (refines.length > 0) return undefined;
  if (schema instanceof z.ZodNumber) {
    if (int) return (v, walk) => (Number.isSafeInteger(v) ? v : byZod(v, walk));
    return (v, walk) => (typeof v === "number" && Number.isFinite(v) ? v : byZod(v, walk));
  }
  if (int) return undefined;
  if (schema instanceof z.ZodBoolean) return (v, walk) => (typeof v === "boolean" ? v : byZod(v, walk));
  if (schema instanceof z.ZodEnum) {
    const values = new Set<unknown>(schema.options);
    return (v, walk) => (values.has(v) ? v : byZod(v, walk));
  }
  return undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** Facet's additions keep their values but not their nulls: in this view absence means unknown. */
function withoutNulls(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(withoutNulls);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const kept = k === "__proto__" ? undefined : withoutNulls(v);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return value;
}
