/** The bad inputs the fuzzer draws from, each with the error code the protocol promises for it. */
import fc from "fast-check";
import { randomBytes, randomUUID } from "node:crypto";
import type { ErrorCode } from "../../../shared/protocol/errors.ts";
import { canonicalBytes } from "../../../shared/signing/canonical.ts";
import { generateKeyPair, sign } from "../../../shared/signing/sign.ts";
import type { Facts } from "../../../shared/facts/schema.ts";
import { FACTS_LIMITS } from "../../../shared/facts/schema.ts";
import { sampleFacts } from "../facts.ts";
import type { ProtocolClient } from "../protocol-client.ts";
import type { FuzzTarget } from "./harness.ts";
import { SMALL_ORDER_ENCODINGS } from "../small-order.ts";

const stranger = generateKeyPair();
const b64sig = () => randomBytes(64).toString("base64");

export interface PreAuthInput {
  kind: string;
  /** Built once the session's nonce is known. */
  raw: string | Uint8Array;
  expect?: ErrorCode;
}

function deep(depth: number, open: string, close: string, leaf = "0"): string {
  return open.repeat(depth) + leaf + close.repeat(depth);
}

/** Frames a connection sends instead of (or as) its first `auth`. Nonce-bound ones sign a nonce
 * that is not this session's, which is exactly what a replaying attacker has. */
export function preAuthInput(target: FuzzTarget): fc.Arbitrary<PreAuthInput> {
  const authFrame = (deviceId: string, signature: string) => JSON.stringify({ type: "auth", deviceId, signature, agentVersion: "fuzz" });
  return fc.oneof(
    fc.string({ maxLength: 300 }).map((raw) => ({ kind: "text", raw, expect: "malformed_frame" as const })),
    fc.jsonValue({ maxDepth: 6 }).map((v) => ({ kind: "json", raw: JSON.stringify(v) ?? "null", expect: "malformed_frame" as const })),
    fc
      .record(
        {
          type: fc.constantFrom("auth", "hello", "welcome", "ack", "refresh", "error", "AUTH", ""),
          deviceId: fc.oneof(fc.string({ maxLength: 200 }), fc.integer(), fc.constant(null), fc.array(fc.string())),
          signature: fc.oneof(fc.base64String({ maxLength: 200 }), fc.string({ maxLength: 50 }), fc.integer()),
          agentVersion: fc.oneof(fc.string({ maxLength: 100 }), fc.boolean()),
          extra: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: ["type"] },
      )
      .map((v) => ({ kind: "shaped", raw: JSON.stringify(v) })),
    fc.record({ depth: fc.integer({ min: 10, max: 200_000 }), obj: fc.boolean() }).map(({ depth, obj }) => ({
      kind: "deep nesting",
      raw: obj ? deep(depth, '{"a":', "}") : deep(depth, "[", "]"),
    })),
    fc.integer({ min: 129, max: 400_000 }).map((n) => ({ kind: "huge string", raw: authFrame("d".repeat(n), b64sig()) })),
    fc.integer({ min: 100, max: 100_000 }).map((n) => ({ kind: "huge array", raw: JSON.stringify({ type: "auth", deviceId: new Array(n).fill("x"), signature: b64sig(), agentVersion: "fuzz" }) })),
    fc.uint8Array({ maxLength: 300 }).map((raw) => ({ kind: "binary", raw, expect: "malformed_frame" as const })),
    fc.constant(null).map(() => ({ kind: "unknown device", raw: authFrame(randomUUID(), b64sig()), expect: "unknown_device" as const })),
    fc.constant(null).map(() => ({
      kind: "revoked device",
      raw: authFrame(target.revoked.deviceId, sign("auth", canonicalBytes({ deviceId: target.revoked.deviceId, nonce: target.oldNonce() }), target.revoked.keys.secretKey).toString("base64")),
      expect: "revoked_device" as const,
    })),
    fc.constant(null).map(() => ({ kind: "random signature", raw: authFrame(target.good.deviceId, b64sig()), expect: "bad_signature" as const })),
    fc.constant(null).map(() => ({
      kind: "replayed auth (old nonce)",
      raw: authFrame(target.good.deviceId, sign("auth", canonicalBytes({ deviceId: target.good.deviceId, nonce: target.oldNonce() }), target.good.keys.secretKey).toString("base64")),
      expect: "bad_signature" as const,
    })),
    fc.constant(null).map(() => ({
      kind: "snapshot before auth",
      raw: JSON.stringify({ type: "snapshot", body: "{}", signature: b64sig() }),
      expect: "unexpected_message" as const,
    })),
  );
}

export type SessionAction =
  | { kind: "good" }
  | { kind: "garbage"; text: string }
  | { kind: "random signature" }
  | { kind: "signed by another key" }
  | { kind: "tampered body"; at: number }
  | { kind: "replayed seq"; back: number }
  | { kind: "other session's nonce" }
  | { kind: "random nonce" }
  | { kind: "another device's id" }
  | { kind: "clock in the future"; seconds: number }
  | { kind: "clock too old"; seconds: number }
  | { kind: "facts of the wrong shape"; facts: unknown }
  | { kind: "array over its limit" }
  | { kind: "seq of the wrong type"; seq: unknown }
  | { kind: "auth again" }
  | { kind: "duplicate key"; key: "seq" | "facts" | "nonce" }
  | { kind: "non-canonical form"; how: number }
  | { kind: "__proto__ key"; nested: boolean }
  | { kind: "raw control character"; code: number };

export function sessionAction(): fc.Arbitrary<SessionAction> {
  return fc.oneof(
    fc.constant({ kind: "good" as const }),
    fc.string({ maxLength: 200 }).map((text) => ({ kind: "garbage" as const, text })),
    fc.constant({ kind: "random signature" as const }),
    fc.constant({ kind: "signed by another key" as const }),
    fc.nat().map((at) => ({ kind: "tampered body" as const, at })),
    fc.nat({ max: 50 }).map((back) => ({ kind: "replayed seq" as const, back })),
    fc.constant({ kind: "other session's nonce" as const }),
    fc.constant({ kind: "random nonce" as const }),
    fc.constant({ kind: "another device's id" as const }),
    fc.integer({ min: 310, max: 10 * 365 * 86400 }).map((seconds) => ({ kind: "clock in the future" as const, seconds })),
    fc.integer({ min: 7 * 86400 + 60, max: 20 * 365 * 86400 }).map((seconds) => ({ kind: "clock too old" as const, seconds })),
    fc.jsonValue({ maxDepth: 4 }).map((facts) => ({ kind: "facts of the wrong shape" as const, facts })),
    fc.constant({ kind: "array over its limit" as const }),
    fc.oneof(fc.string(), fc.constant(0), fc.integer({ max: -1 }), fc.double({ min: 0.1, max: 1e6, noInteger: true }), fc.constant(null)).map((seq) => ({ kind: "seq of the wrong type" as const, seq })),
    fc.constant({ kind: "auth again" as const }),
    fc.constantFrom("seq" as const, "facts" as const, "nonce" as const).map((key) => ({ kind: "duplicate key" as const, key })),
    fc.nat({ max: NON_CANONICAL.length - 1 }).map((how) => ({ kind: "non-canonical form" as const, how })),
    fc.boolean().map((nested) => ({ kind: "__proto__ key" as const, nested })),
    fc.integer({ min: 0, max: 0x1f }).map((code) => ({ kind: "raw control character" as const, code })),
  );
}

/** Ways to write the same document in other bytes; each is signed, so only the form is wrong. */
const NON_CANONICAL: ((body: string) => string)[] = [
  (b) => b.replace('"seq":', '"seq": '),
  (b) => `${b}\n`,
  (b) => ` ${b}`,
  (b) => b.replace('"seq":', '"\\u0073eq":'),
  (b) => b.replace(/"seq":(\d+)/, '"seq":$1.0'),
  (b) => b.replace(/"seq":(\d+)/, '"seq":$1e0'),
  (b) => b.replace(/,"v":(\d+)\}$/, "}").replace(/^\{/, `{"v":${JSON.parse(b).v},`),
  (b) => b.replace('"v":', '"v" :'),
  (b) => b.replace(/"hostname":"/, '"hostname":"\\u0061'),
];

export function expectedCode(action: Exclude<SessionAction, { kind: "good" }>): ErrorCode {
  switch (action.kind) {
    case "garbage":
      return "malformed_frame";
    case "random signature":
    case "signed by another key":
    case "tampered body":
      return "bad_signature";
    case "replayed seq":
      return "replayed_seq";
    case "other session's nonce":
    case "random nonce":
      return "nonce_mismatch";
    case "another device's id":
      return "device_mismatch";
    case "clock in the future":
    case "clock too old":
      return "clock_skew";
    case "facts of the wrong shape":
    case "array over its limit":
    case "seq of the wrong type":
      return "bad_snapshot";
    case "auth again":
      return "unexpected_message";
    case "duplicate key":
    case "non-canonical form":
      return "non_canonical_body";
    case "__proto__ key":
    case "raw control character":
      return "bad_snapshot";
  }
}

/** The frame for one bad action, signed with the real key unless the action is about the signature. */
export function buildSessionFrame(action: Exclude<SessionAction, { kind: "good" }>, target: FuzzTarget, client: ProtocolClient): string | Record<string, unknown> {
  const device = target.good;
  const next = target.lastSeq + 1;
  const frame = (options: Parameters<ProtocolClient["snapshotFrame"]>[1]) => client.snapshotFrame(device, options);
  switch (action.kind) {
    case "garbage":
      return action.text;
    case "random signature":
      return { ...frame({ seq: next }), signature: b64sig() };
    case "signed by another key":
      return frame({ seq: next, signWith: stranger });
    case "tampered body":
      return frame({
        seq: next,
        tamper: (body) => {
          // Change one character inside the facts, keeping the JSON valid.
          const i = body.indexOf('"hostname":"') + '"hostname":"'.length + (action.at % 4);
          return body.slice(0, i) + (body[i] === "x" ? "y" : "x") + body.slice(i + 1);
        },
      });
    case "replayed seq":
      return frame({ seq: Math.max(1, target.lastSeq - action.back) });
    case "other session's nonce":
      return frame({ seq: next, nonce: target.oldNonce() });
    case "random nonce":
      return frame({ seq: next, nonce: randomBytes(32).toString("base64url") });
    case "another device's id":
      return frame({ seq: next, deviceId: target.other.deviceId });
    case "clock in the future":
      return frame({ seq: next, collectedAt: new Date(Date.now() + action.seconds * 1000).toISOString() });
    case "clock too old":
      return frame({ seq: next, collectedAt: new Date(Date.now() - action.seconds * 1000).toISOString() });
    case "facts of the wrong shape":
      // null would fall back to the client's sample facts; any other JSON value lacks the required families.
      return frame({ seq: next, facts: (action.facts ?? [null]) as Facts });
    case "array over its limit":
      return frame({
        seq: next,
        facts: sampleFacts({ software: Array.from({ length: FACTS_LIMITS.software + 1 }, (_, i) => ({ name: `p${i}`, version: null, source: null })) }),
      });
    case "seq of the wrong type":
      return frame({ seq: action.seq as number });
    case "duplicate key":
      return frame({
        seq: next,
        // The attack: JSON.parse reads the last value, SQLite's json_extract the first.
        resign: (body) =>
          action.key === "seq" ? body.replace(/"seq":(\d+)/, `"seq":${next + 100},"seq":$1`)
          : action.key === "facts" ? body.replace('"facts":{', '"facts":{"os":{"family":"windows"}},"facts":{')
          : body.replace('"nonce":', '"nonce":"x","nonce":'),
      });
    case "non-canonical form":
      return frame({ seq: next, resign: NON_CANONICAL[action.how]! });
    case "__proto__ key":
      return frame({
        seq: next,
        resign: (body) => (action.nested ? body.replace('"vendor":null', '"vendor":{"acme":{"__proto__":{"admin":true}}}') : body.replace('"facts":{', '"facts":{"__proto__":{"admin":true},')),
      });
    case "raw control character":
      // Unescaped inside a string: not JSON (RFC 8259 §7), whatever the signature says.
      return frame({ seq: next, resign: (body) => body.replace(/"hostname":"/, `"hostname":"${String.fromCharCode(action.code)}`) });
    case "auth again":
      return { type: "auth", deviceId: device.deviceId, signature: sign("auth", canonicalBytes({ deviceId: device.deviceId, nonce: client.hello.nonce }), device.keys.secretKey).toString("base64"), agentVersion: "fuzz" };
  }
}

export interface RestInput {
  method: "GET" | "POST";
  path: string;
  body?: string;
  contentType: string;
  auth: "none" | "admin" | "bogus";
}

const junkJson = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v) ?? "null"),
  fc.integer({ min: 10, max: 50_000 }).map((d) => deep(d, "[", "]")),
  fc.integer({ min: 64 * 1024 + 1, max: 300_000 }).map((n) => JSON.stringify({ token: "t".repeat(n) })),
);

/** `{}` or `{"label":"x"}` is a valid request to create an enrollment token: not junk. */
function isValidEnrollTokenRequest(body: string): boolean {
  try {
    const value = JSON.parse(body) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).every((k) => ["label", "max_uses", "expires_in"].includes(k));
  } catch {
    return false;
  }
}

export function restInput(): fc.Arbitrary<RestInput> {
  const json = "application/json";
  const notANumber = fc.oneof(fc.string({ maxLength: 20 }).filter((s) => !/^\s*[0-9.eE+-]+\s*$/.test(s) && s.trim() !== ""), fc.constantFrom("-1", "0", "1e9", "100000", "NaN", "Infinity"));
  return fc.oneof(
    junkJson.map((body) => ({ method: "POST" as const, path: "/v1/enroll", body, contentType: json, auth: "none" as const })),
    fc
      .record({
        token: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
        publicKey: fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64")), fc.base64String({ maxLength: 80 })),
        signature: fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString("base64")), fc.string({ maxLength: 130 })),
        hostname: fc.string({ maxLength: 300 }),
        platform: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(undefined)),
      }, { requiredKeys: ["token", "publicKey", "signature"] })
      .map((v) => ({ method: "POST" as const, path: "/v1/enroll", body: JSON.stringify(v), contentType: json, auth: "none" as const })),
    fc
      .record({
        // Not null (it asks for unlimited uses) nor NaN or ±Infinity, which JSON.stringify writes as null.
        max_uses: fc.oneof(fc.integer({ max: 0 }), fc.string(), fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1_000_001 })),
        label: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
      })
      .map((v) => ({ method: "POST" as const, path: "/v1/tokens/enroll", body: JSON.stringify(v), contentType: json, auth: "admin" as const })),
    fc
      .record({ name: fc.string({ maxLength: 250 }), scopes: fc.oneof(fc.constant([]), fc.array(fc.string({ maxLength: 20 }).filter((s) => !s.includes(":") && s !== "admin"), { minLength: 1 })) })
      .map((v) => ({ method: "POST" as const, path: "/v1/tokens/api", body: JSON.stringify(v), contentType: json, auth: "admin" as const })),
    fc
      .tuple(junkJson.filter((body) => !isValidEnrollTokenRequest(body)), fc.constantFrom(json, "text/plain"))
      .map(([body, contentType]) => ({ method: "POST" as const, path: "/v1/tokens/enroll", body, contentType, auth: "admin" as const })),
    notANumber.map((limit) => ({ method: "GET" as const, path: `/v1/devices?limit=${encodeURIComponent(limit)}`, contentType: json, auth: "admin" as const })),
    fc.string({ minLength: 1, maxLength: 100 }).map((id) => ({ method: "GET" as const, path: `/v1/devices/${encodeURIComponent(id)}x`, contentType: json, auth: "admin" as const })),
    fc.uuid().map((id) => ({ method: "POST" as const, path: `/v1/devices/${id}/revoke`, contentType: json, auth: "admin" as const })),
    fc.uuid().map((id) => ({ method: "POST" as const, path: `/v1/devices/${id}/refresh?wait=1`, contentType: json, auth: "admin" as const })),
    // Every encoding of every small-order point, with the signature that "verifies" under the identity.
    fc.constantFrom(...SMALL_ORDER_ENCODINGS).map((hex) => ({
      method: "POST" as const,
      path: "/v1/enroll",
      body: JSON.stringify({ token: "fce_fuzz-token-0000", publicKey: Buffer.from(hex, "hex").toString("base64"), signature: Buffer.concat([Buffer.from(hex, "hex"), Buffer.alloc(32)]).toString("base64") }),
      contentType: json,
      auth: "none" as const,
    })),
    fc
      .tuple(fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f), fc.constantFrom("hostname", "platform", "username", "agentVersion"))
      .map(([code, field]) => ({
        method: "POST" as const,
        path: "/v1/enroll",
        body: JSON.stringify({ token: "fce_fuzz-token-0000", publicKey: Buffer.alloc(32, 7).toString("base64"), signature: Buffer.alloc(64).toString("base64"), [field]: `host${String.fromCharCode(code)}\u001b[2K` }),
        contentType: json,
        auth: "none" as const,
      })),
    fc.constantFrom('{"__proto__":{"label":"x"}}', '{"label":"x","__proto__":{"max_uses":1}}', '{"\\u005f_proto__":{}}').map((body) => ({ method: "POST" as const, path: "/v1/tokens/enroll", body, contentType: json, auth: "admin" as const })),
    fc.constantFrom("/v1/devices", "/v1/events", "/v1/tokens/api").chain((path) =>
      fc.constantFrom("none" as const, "bogus" as const).map((auth) => ({ method: "GET" as const, path, contentType: json, auth })),
    ),
  );
}
