/**
 * `"__proto__"` as a JSON object key. JSON.parse keeps it as an own property, but any later copy
 * (zod's parse, an object spread, `Object.assign`) assigns it, which sets the copy's prototype
 * instead: the same document then reads differently depending on which copy a reader holds.
 * Facet refuses such keys at its boundaries rather than reason about every copy.
 */

/** Whether `value` (parsed from `text`) has a `__proto__` key at any depth. */
export function hasProtoKey(text: string, value: unknown): boolean {
  // The walk is only paid by the rare document that spells the word at all.
  if (!text.includes("__proto__") && !text.includes("\\u")) return false;
  // An explicit stack: a hostile document may nest deeper than the call stack allows.
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(v, "__proto__")) return true;
    for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
  }
  return false;
}
