/**
 * Compact snapshots (feature `family-digests`): a fact family that has not changed since the
 * device's last acknowledged snapshot travels as its digest instead of its value.
 *
 * A list family that changed a little (processes come and go) travels as edits of the acked list,
 * in `deltas`: the list's digest and, in order, where to remove how many items and insert which.
 *
 * What is signed does not change: the agent signs the full canonical body, as always. The frame
 * carries that body with those families left out of `facts`; the connector puts back each family
 * from the device's latest stored facts when their digest matches (applying the edits of a
 * delta), and then verifies the signature over the rebuilt text. So the stored snapshot is
 * an ordinary full signed body that anyone re-verifies without knowing about digests, and a digest
 * that matches nothing (a connector restored from backup, another replica's newer write) is
 * `unknown_family_digest`: the agent sends the snapshot in full.
 *
 * Negotiated per connection: the agent offers the feature in the upgrade request's
 * `Facet-Agent-Features` header and the connector lists it in `welcome.features` only for an agent
 * that offered it, since older agents refuse a welcome with fields they do not know.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { FACTS_LIMITS, FactsSchema, type Facts } from "../facts/schema.ts";
import { canonicalText } from "../signing/canonical.ts";
import type { ErrorCode } from "./errors.ts";

export const FAMILY_DIGESTS_FEATURE = "family-digests";
/** HTTP header of the WebSocket upgrade request: the features the agent understands, comma-separated. */
export const AGENT_FEATURES_HEADER = "facet-agent-features";

export type FactFamily = keyof Facts & string;
export const FACT_FAMILIES = Object.keys(FactsSchema.shape) as FactFamily[];

/** SHA-256, base64url without padding. */
const DigestSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be a base64url SHA-256 digest");

/** `digests` of a compact snapshot frame: family → digest of its value in the signed body. */
export const FamilyDigestsSchema = z.strictObject(
  Object.fromEntries(FACT_FAMILIES.map((family) => [family, DigestSchema.optional()])) as Record<FactFamily, z.ZodOptional<typeof DigestSchema>>,
);
export type FamilyDigests = Partial<Record<FactFamily, string>>;

const MAX_ITEMS = Math.max(...Object.values(FACTS_LIMITS));
const count = z.number().int().nonnegative().max(MAX_ITEMS);
/** Applied in order to the acked list: keep up to `at`, drop `remove` items, put `insert` in their place. */
const EditSchema = z.strictObject({ at: count, remove: count, insert: z.array(z.unknown()).max(MAX_ITEMS) });
const FamilyDeltaSchema = z.strictObject({ base: DigestSchema, edits: z.array(EditSchema).min(1).max(MAX_ITEMS) });
/** `deltas` of a compact snapshot frame: family → edits of the list with digest `base`. */
export const FamilyDeltasSchema = z.strictObject(
  Object.fromEntries(FACT_FAMILIES.map((family) => [family, FamilyDeltaSchema.optional()])) as Record<FactFamily, z.ZodOptional<typeof FamilyDeltaSchema>>,
);
export interface FamilyEdit {
  at: number;
  remove: number;
  insert: unknown[];
}
export type FamilyDeltas = Partial<Record<FactFamily, { base: string; edits: FamilyEdit[] }>>;

/** A family value the receiver holds, found by digest. */
export interface HeldFamily {
  value: unknown;
  /** Its canonical text. */
  text: string;
}
export type FamilyResolver = (family: FactFamily, digest: string) => HeldFamily | undefined;

/** Domain-separated, and bound to the family's name: equal values of two families differ. */
const DIGEST_DOMAIN = "facet/v1/family\n";

/** The digest of a family whose value has this canonical (RFC 8785) text. */
export function familyDigest(family: string, text: string): string {
  return createHash("sha256").update(`${DIGEST_DOMAIN}${family}\n`).update(text).digest("base64url");
}

/** The canonical text of `body` without the named families in its `facts` (the frame's `body`). */
export function compactBodyText(body: { facts: Facts }, leftOut: readonly FactFamily[]): string {
  const facts: Record<string, unknown> = { ...body.facts };
  for (const family of leftOut) delete facts[family];
  return canonicalText({ ...body, facts });
}

/** Where a member's canonical text sits in a body text: `text.slice(start, end)` (canonical-spans.ts). */
export interface FamilySpan {
  start: number;
  end: number;
}

export type Expanded = { ok: true; text: string } | { ok: false; code: ErrorCode; message: string; seq?: number };

/**
 * The full canonical body text of a compact body: `resolve` finds the held family value with a
 * digest. Builds the text without copying the parsed objects (a copy would turn a `"__proto__"`
 * key into a prototype; the ingest refuses such keys in the rebuilt text), so the result is
 * exactly canonicalJson of the full body.
 */
export function expandBodyText(compact: string, digests: FamilyDigests, deltas: FamilyDeltas, resolve: FamilyResolver): Expanded {
  let json: unknown;
  try {
    json = JSON.parse(compact);
  } catch {
    return { ok: false, code: "bad_snapshot", message: "the compact body is not valid JSON" };
  }
  if (!isRecord(json) || !isRecord(json.facts)) return { ok: false, code: "bad_snapshot", message: "the compact body has no facts object" };
  const body = json;
  const facts = json.facts;
  const seq = typeof body.seq === "number" && Number.isSafeInteger(body.seq) && body.seq > 0 ? { seq: body.seq } : {};
  const refused = (message: string): Expanded => ({ ok: false, code: "bad_snapshot", message, ...seq });
  const rebuilt = new Map<string, string>();
  const unknown: string[] = [];
  for (const family of FACT_FAMILIES) {
    const digest = digests[family];
    const delta = deltas[family];
    if (digest === undefined && delta === undefined) continue;
    if (Object.prototype.hasOwnProperty.call(facts, family) || (digest !== undefined && delta !== undefined)) {
      return refused(`facts.${family} is sent more than once (in the body, digests or deltas)`);
    }
    const held = resolve(family, digest ?? delta!.base);
    if (held === undefined) unknown.push(family);
    else if (delta === undefined) rebuilt.set(family, held.text);
    else {
      const text = applyEdits(held.value, delta.edits);
      if (text === undefined) return refused(`deltas.${family} does not apply to the list it names (not a list, or edits out of order or range)`);
      rebuilt.set(family, text);
    }
  }
  if (unknown.length > 0) {
    return { ok: false, code: "unknown_family_digest", message: `no stored value of ${unknown.join(", ")} has the digest named; send the snapshot in full`, ...seq };
  }
  return { ok: true, text: objectText(body, new Map([["facts", objectText(facts, rebuilt)]])) };
}

/** The canonical text of `base` with the edits applied, or undefined if they do not fit it. */
function applyEdits(base: unknown, edits: readonly FamilyEdit[]): string | undefined {
  if (!Array.isArray(base)) return undefined;
  const items: string[] = [];
  let cursor = 0;
  for (const edit of edits) {
    if (edit.at < cursor || edit.at + edit.remove > base.length) return undefined;
    for (let i = cursor; i < edit.at; i++) items.push(canonicalText(base[i]));
    for (const item of edit.insert) items.push(canonicalText(item));
    cursor = edit.at + edit.remove;
  }
  for (let i = cursor; i < base.length; i++) items.push(canonicalText(base[i]));
  return `[${items.join(",")}]`;
}

/** Canonical text of `value` with the members named in `texts` written as those (canonical) texts. */
function objectText(value: Record<string, unknown>, texts: Map<string, string>): string {
  const keys = [...new Set([...Object.keys(value), ...texts.keys()])].sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${texts.get(key) ?? canonicalText(value[key])}`).join(",")}}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
