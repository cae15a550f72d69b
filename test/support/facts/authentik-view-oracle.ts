/**
 * The pre-compilation implementation of shared/facts/authentik-view.ts, kept to check the compiled
 * one: it walks authentik's zod schema value by value (a `safeParse` per scalar, a
 * `safeParse(undefined)` per key to learn whether it is required), which is slow but plainly reads
 * as the rules. The equivalence test asserts the compiled view serializes to the same bytes as this
 * one. Copied unchanged from authentik-view.ts at 2e20819 apart from this header, the import paths,
 * the function's name and the exports no one else needs. It throws on a key named like an
 * Object.prototype member (`constructor`, `toString`) where it reads the shape; the compiled view
 * treats such a key as an addition.
 */
import { z } from "zod";
import { AuthentikFactsSchema, type AuthentikFacts } from "../../../shared/facts/authentik.ts";
import { joinFactPath } from "../../../shared/facts/paths.ts";
import type { Facts, Unknown } from "../../../shared/facts/schema.ts";

interface AuthentikView {
  data: AuthentikFacts;
  /** Why something present in Facet's document is absent from `data`, keyed by its path there. */
  omitted: Record<string, string>;
}

const OMITTED_PREFIX = "left out of authentik's view: ";

type Fit = { ok: true; value: unknown } | { ok: false; why: string };

interface Walk {
  unknown: Unknown;
  omitted: Record<string, string>;
}

export function toAuthentikViewOracle(facts: Facts | Record<string, unknown>, unknown: Unknown): AuthentikView {
  const walk: Walk = { unknown, omitted: {} };
  const fitted = fit(AuthentikFactsSchema, facts, "", walk);
  // A document that is not even an object (never from FactsSchema) becomes an empty view.
  const data = (fitted.ok ? fitted.value : {}) as AuthentikFacts;
  if (!fitted.ok) walk.omitted[""] = OMITTED_PREFIX + fitted.why;
  return { data, omitted: walk.omitted };
}

function fit(schema: z.ZodType, value: unknown, path: string, walk: Walk): Fit {
  if (value === null || value === undefined) {
    return { ok: false, why: `unknown (${walk.unknown[path] ?? "no reason recorded"})` };
  }
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) return fitObject(inner, value, path, walk);
  if (inner instanceof z.ZodArray) return fitArray(inner, value, path, walk);
  return fitScalar(inner, value);
}

function fitObject(schema: z.ZodObject, value: unknown, path: string, walk: Walk): Fit {
  if (typeof value !== "object" || Array.isArray(value) || value === null) return { ok: false, why: "not an object" };
  const shape = schema.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  // Reasons below an object that is itself left out would point at nothing: kept aside until it fits.
  const inside: Walk = { unknown: walk.unknown, omitted: {} };
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    // Own keys only: a document's "__proto__" (an own key once JSON.parse made it) is no field,
    // and, as in the compiled view, it is left out rather than assigned (that would set `out`'s prototype).
    if (key === "__proto__") continue;
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    const at = joinFactPath(path, key);
    if (!field) {
      const kept = withoutNulls(v);
      if (kept !== undefined) out[key] = kept;
      continue;
    }
    const r = fit(field, v, at, inside);
    if (r.ok) out[key] = r.value;
    else if (isRequired(field)) return { ok: false, why: `authentik requires ${key}, which is ${r.why}` };
    // A null leaf already has its reason in `unknown`; anything else left out needs one.
    else if (v !== null && v !== undefined) inside.omitted[at] = OMITTED_PREFIX + r.why;
  }
  for (const [key, field] of Object.entries(shape)) {
    if (!(key in out) && isRequired(field)) return { ok: false, why: `authentik requires ${key}, which is missing` };
  }
  Object.assign(walk.omitted, inside.omitted);
  return { ok: true, value: out };
}

function fitArray(schema: z.ZodArray, value: unknown, path: string, walk: Walk): Fit {
  if (!Array.isArray(value)) return { ok: false, why: "not a list" };
  const items: unknown[] = [];
  value.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const r = fit(schema.element as z.ZodType, item, at, walk);
    if (r.ok) items.push(r.value);
    else walk.omitted[at] = OMITTED_PREFIX + r.why;
  });
  return { ok: true, value: items };
}

function fitScalar(schema: z.ZodType, value: unknown): Fit {
  if (schema.safeParse(value).success) return { ok: true, value };
  if (typeof value === "number" && Number.isFinite(value) && schema.safeParse(Math.round(value)).success) {
    return { ok: true, value: Math.round(value) };
  }
  if (typeof value === "string" && value.trim() === "") return { ok: false, why: "empty" };
  const issue = schema.safeParse(value).error?.issues[0];
  return { ok: false, why: issue?.message ?? "refused by authentik's rules" };
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

function isRequired(field: z.ZodType): boolean {
  return !field.safeParse(undefined).success;
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

