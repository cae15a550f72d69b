/**
 * A StoredSnapshot whose `facts` and `unknown` are read from its body only as far as someone asks.
 * A sign-in's policies read a few small families (`os`, `disks`, `security`) while a real body is
 * mostly its software and process lists, so parsing the whole body on every read that misses the
 * caches cost more than the rest of the check. The body is canonical (checked at ingest), so each
 * family's text is found by scanning keys in order (shared/protocol/canonical-spans.ts) and parsed
 * alone, giving the same value as parsing the whole body; a text not shaped so is parsed whole.
 *
 * `facts` and `unknown` behave as plain read-only objects (property reads, `in`, `Object.keys`,
 * spreads, JSON.stringify, deep equality); writing to them throws, as callers must not change a
 * snapshot the caches share.
 *
 * A snapshot just received may be given its body as UTF-8 bytes instead (`bodyUtf8`): its text is
 * then decoded on each read of `body`, and once for its facts when they are first read. Bytes sit
 * outside the JS heap, so the bodies of the snapshots in flight between the verify threads and the
 * store are not copied by each young-generation GC on the way (docs/performance.md).
 *
 *   const snapshot = lazySnapshot({ deviceId, seq, collectedAt, receivedAt, body, signature });
 *   snapshot.facts.os; // parses the `os` family only
 */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { MemberScanner, unknownSpan } from "../../shared/protocol/canonical-spans.ts";
import type { StoredSnapshot } from "./types.ts";

type SnapshotFields = Omit<StoredSnapshot, "facts" | "unknown" | "body" | "bodyUtf8">;

export function lazySnapshot(fields: SnapshotFields & ({ body: string } | { bodyUtf8: Uint8Array })): StoredSnapshot {
  const bytes = "bodyUtf8" in fields ? fields.bodyUtf8 : undefined;
  const text = (): string => ("body" in fields ? fields.body : utf8Text(bytes!));
  let body: string | undefined;
  const parsedBody = () => (body ??= text());
  let whole: { facts: Record<string, unknown>; unknown: Unknown } | undefined;
  const parseWhole = () => (whole ??= JSON.parse(parsedBody()) as { facts: Record<string, unknown>; unknown: Unknown });
  let facts: Facts | undefined;
  let unknown: Unknown | undefined;
  const { deviceId, seq, collectedAt, receivedAt, signature } = fields;
  return Object.defineProperties({ deviceId, seq, collectedAt, receivedAt, signature, ...(bytes ? { bodyUtf8: bytes } : {}) } as StoredSnapshot, {
    // Once the facts are read the text is held for them anyway; before, each read decodes.
    body: { enumerable: true, get: () => body ?? text() },
    facts: { enumerable: true, get: () => (facts ??= lazyFacts(parsedBody(), () => parseWhole().facts)) },
    unknown: { enumerable: true, get: () => (unknown ??= lazyUnknown(parsedBody(), () => parseWhole().unknown)) },
  });
}

/** UTF-8 bytes as text (a Uint8Array from another thread is not a Buffer). */
export function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/** The body's size for budgets: its UTF-8 bytes when held so, else its UTF-16 length, without decoding it. */
export function bodySize(snapshot: Pick<StoredSnapshot, "body" | "bodyUtf8">): number {
  return snapshot.bodyUtf8 ? snapshot.bodyUtf8.byteLength : snapshot.body.length;
}

function lazyFacts(body: string, parseWhole: () => Record<string, unknown>): Facts {
  let scanner: MemberScanner | undefined;
  let fallback: Record<string, unknown> | undefined;
  try {
    const factsStart = new MemberScanner(body, 0).startOf("facts");
    if (factsStart !== undefined) scanner = new MemberScanner(body, factsStart);
  } catch {
    // Not canonical after all: parsed whole below.
  }
  const parsed = new Map<string, unknown>();
  const member = (key: string): { value: unknown } | undefined => {
    if (fallback || !scanner) {
      fallback ??= parseWhole();
      return Object.hasOwn(fallback, key) ? { value: fallback[key] } : undefined;
    }
    if (parsed.has(key)) return { value: parsed.get(key) };
    try {
      const span = scanner.span(key);
      if (!span) return undefined;
      const value: unknown = JSON.parse(body.slice(span.start, span.end));
      parsed.set(key, value);
      return { value };
    } catch {
      fallback = parseWhole();
      return member(key);
    }
  };
  const keys = (): string[] => {
    if (scanner && !fallback) {
      try {
        return plainObjectOrder([...scanner.all().keys()]);
      } catch {
        fallback = parseWhole();
      }
    }
    return Object.keys(fallback ?? parseWhole());
  };
  return readOnlyView(member, keys) as Facts;
}

/** Keys in the order a parsed object enumerates them: array indices first, ascending, then the rest as written. */
function plainObjectOrder(keys: string[]): string[] {
  const isIndex = (k: string) => /^(0|[1-9]\d{0,9})$/.test(k) && Number(k) < 2 ** 32 - 1;
  const indices = keys.filter(isIndex);
  return indices.length === 0 ? keys : [...indices.sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndex(k))];
}

function lazyUnknown(body: string, parseWhole: () => Unknown): Unknown {
  let value: Record<string, unknown> | undefined;
  const load = (): Record<string, unknown> => {
    if (value) return value;
    const span = unknownSpan(body);
    try {
      value = span ? (JSON.parse(body.slice(span.start, span.end)) as Record<string, unknown>) : parseWhole();
    } catch {
      value = parseWhole();
    }
    return value;
  };
  return readOnlyView((key) => (Object.hasOwn(load(), key) ? { value: load()[key] } : undefined), () => Object.keys(load())) as Unknown;
}

/** A plain-object-like proxy over `member(key)`; everything else (prototype methods, symbols) comes from a plain object. */
function readOnlyView(member: (key: string) => { value: unknown } | undefined, keys: () => string[]): object {
  const refuse = () => {
    throw new TypeError("a stored snapshot's facts are read-only");
  };
  return new Proxy(
    {},
    {
      get: (target, key) => {
        const found = typeof key === "string" ? member(key) : undefined;
        return found ? found.value : Reflect.get(target, key);
      },
      has: (target, key) => (typeof key === "string" && member(key) !== undefined) || Reflect.has(target, key),
      ownKeys: () => keys(),
      getOwnPropertyDescriptor: (_target, key) => {
        const found = typeof key === "string" ? member(key) : undefined;
        return found && { value: found.value, writable: false, enumerable: true, configurable: true };
      },
      set: refuse,
      defineProperty: refuse,
      deleteProperty: refuse,
      setPrototypeOf: refuse,
    },
  );
}
