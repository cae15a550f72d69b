/**
 * Where each member of a canonical body's `facts` object sits in the body text, found by scanning
 * the text instead of parsing it: a stored body is canonical (RFC 8785, no whitespace), so the
 * slice is exactly the member's canonical text, ready to hash, to splice into a rebuilt body or to
 * parse alone. Undefined for a text that is not shaped so (the caller then parses).
 */
import type { FamilySpan } from "./family-digests.ts";

/**
 * The members of one object of a canonical text, found on demand: members are in UTF-16 key order,
 * so a key is known absent as soon as a greater one is passed, and asking for the small families
 * of a body (`os`, `disks`) never scans its large lists. `undefined` from `span` means absent; a
 * text not shaped as canonical JSON throws, so a caller can fall back to parsing it whole.
 */
export class MemberScanner {
  private readonly found = new Map<string, FamilySpan>();
  private next: number;
  private last: string | undefined;

  constructor(private readonly text: string, objectStart: number) {
    if (text.charCodeAt(objectStart) !== OPEN_OBJECT) throw new SyntaxError("not an object");
    this.next = text.charCodeAt(objectStart + 1) === CLOSE_OBJECT ? -1 : objectStart + 1;
  }

  span(key: string): FamilySpan | undefined {
    const hit = this.found.get(key);
    if (hit || (this.last !== undefined && this.last >= key)) return hit;
    while (this.next >= 0 && (this.last === undefined || this.last < key)) this.step();
    return this.found.get(key);
  }

  /** Every member, in text order. */
  all(): Map<string, FamilySpan> {
    while (this.next >= 0) this.step();
    return this.found;
  }

  /** Where the value of `key` starts, scanning no value past it (so not the value itself); undefined when absent. */
  startOf(key: string): number | undefined {
    const hit = this.found.get(key);
    if (hit || (this.last !== undefined && this.last >= key)) return hit?.start;
    while (this.next >= 0) {
      const next = this.peek();
      if (next.key === key) return next.start;
      if (next.key > key) return undefined;
      this.step();
    }
    return undefined;
  }

  /** The key at `next` and where its value starts. */
  private peek(): { key: string; start: number } {
    const { text } = this;
    const i = this.next;
    if (text.charCodeAt(i) !== QUOTE) throw new SyntaxError("expected a key");
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON) throw new SyntaxError("expected a colon");
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    if (this.last !== undefined && !(this.last < key)) throw new SyntaxError("keys out of canonical order");
    return { key, start: keyEnd + 1 };
  }

  private step(): void {
    const { key, start } = this.peek();
    const end = valueEnd(this.text, start);
    if (end < 0) throw new SyntaxError("unterminated value");
    this.found.set(key, { start, end });
    this.last = key;
    const after = this.text.charCodeAt(end);
    if (after === CLOSE_OBJECT) this.next = -1;
    else if (after === COMMA) this.next = end + 1;
    else throw new SyntaxError("expected a comma or the object's end");
  }
}

/**
 * A canonical snapshot body's last members are `"unknown":{…},"v":N}`: found from the end, so the
 * facts before them are not scanned. A nested `"unknown"` key ends elsewhere than at that tail,
 * so only the body's own member matches; undefined when none does.
 */
export function unknownSpan(text: string): FamilySpan | undefined {
  const tail = /,"v":\d+\}$/.exec(text.slice(-24));
  if (!tail) return undefined;
  const tailStart = text.length - tail[0].length;
  const member = ',"unknown":';
  for (let at = text.lastIndexOf(member, tailStart); at >= 0; at = text.lastIndexOf(member, at - 1)) {
    const start = at + member.length;
    if (text.charCodeAt(start) === OPEN_OBJECT && valueEnd(text, start) === tailStart) return { start, end: tailStart };
    if (at === 0) break;
  }
  return undefined;
}

export function factsSpans(text: string): Map<string, FamilySpan> | undefined {
  try {
    const facts = new MemberScanner(text, 0).all().get("facts");
    if (!facts || text.charCodeAt(facts.start) !== OPEN_OBJECT) return undefined;
    return new MemberScanner(text, facts.start).all();
  } catch {
    return undefined;
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const COLON = 58;

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
