/**
 * Where each member of a canonical body's `facts` object sits in the body text, found by scanning
 * the text instead of parsing it: a stored body is canonical (RFC 8785, no whitespace), so the
 * slice is exactly the member's canonical text, ready to hash or to splice into a rebuilt body.
 * Undefined for a text that is not shaped so (the caller then parses).
 */
import type { FamilySpan } from "./family-digests.ts";

export function factsSpans(text: string): Map<string, FamilySpan> | undefined {
  const top = members(text, 0);
  const facts = top?.get("facts");
  if (!facts || text.charCodeAt(facts.start) !== OPEN_OBJECT) return undefined;
  return members(text, facts.start);
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const COLON = 58;

/** The members of the object opening at `at`: key → span of its value. */
function members(text: string, at: number): Map<string, FamilySpan> | undefined {
  if (text.charCodeAt(at) !== OPEN_OBJECT) return undefined;
  const out = new Map<string, FamilySpan>();
  let i = at + 1;
  if (text.charCodeAt(i) === CLOSE_OBJECT) return out;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON) return undefined;
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const start = keyEnd + 1;
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    out.set(key, { start, end });
    const next = text.charCodeAt(end);
    if (next === CLOSE_OBJECT) return out;
    if (next !== COMMA) return undefined;
    i = end + 1;
  }
}

/** The index after the string opening at `at`, or -1. */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/** The index after the value starting at `at`, or -1. */
function valueEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return stringEnd(text, at);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let i = at;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY) return i > at ? i : -1;
      i++;
    }
    return -1;
  }
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}
