/** RFC 8785 (JCS) canonical JSON: the exact bytes that are signed and verified. */
import canonicalizeModule from "canonicalize";

// The package is CommonJS whose typings declare an ES default export; at run time the default
// import is the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), "utf8");
}

/**
 * Whether `text` is exactly the canonical form of `value` (which is `JSON.parse(text)`), without
 * building that form: JSON.stringify writes numbers and strings as RFC 8785 does and keeps the
 * parsed key order, so equal output plus keys in UTF-16 order at every level is canonical. About
 * a third of canonicalJson's cost, which matters on the per-snapshot path. Texts whose
 * JSON.stringify differs (non-canonical ones, and objects with integer-like keys, which
 * JavaScript enumerates in numeric order) take the exact comparison.
 */
export function isCanonicalText(text: string, value: unknown): boolean {
  if (JSON.stringify(value) === text) return keysSorted(value);
  try {
    return canonicalJson(value) === text;
  } catch {
    return false;
  }
}

/**
 * canonicalJson of a value parsed from JSON (plain objects, arrays, strings, finite numbers),
 * through JSON.stringify when that already is the canonical form (keys sorted at every level, as
 * in any value parsed from canonical text): several times cheaper on large documents.
 */
export function canonicalText(value: unknown): string {
  const text = JSON.stringify(value);
  return text !== undefined && keysSorted(value) ? text : canonicalJson(value);
}

function keysSorted(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === "object" && item !== null) stack.push(item);
      continue;
    }
    let previous: string | undefined;
    // for…in visits the own keys in Object.keys order without building an array per object; a
    // plain object's prototype adds none, and any it did add could only make the answer false,
    // which the callers then settle exactly.
    for (const key in v) {
      if (previous !== undefined && !(previous < key)) return false;
      previous = key;
      const item = (v as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) stack.push(item);
    }
  }
  return true;
}
