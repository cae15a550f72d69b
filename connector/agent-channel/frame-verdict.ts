/**
 * Everything about one agent frame that needs no session state, straight from the received bytes:
 * frame JSON and schema, then for a snapshot the first steps of the ingest contract (ingest.ts):
 * a compact frame's families put back (expand-families.ts) → signature over the exact body bytes
 * → parse → RFC 8785 canonical form → no `__proto__` → SnapshotBodySchema. It runs on a verify thread (verify-worker.ts), so it returns only what the
 * connector's main thread needs next: the verdict, the few fields the session checks, the
 * identity columns and the body text to store. Never the parsed facts: cloning them back costs
 * the main thread about as much as the parse moved off it.
 */
import type { AgentFrame } from "../../shared/protocol/messages.ts";
import { SnapshotBodySchema, type SnapshotBody } from "../../shared/protocol/snapshot.ts";
import type { ErrorCode } from "../../shared/protocol/errors.ts";
import { isCanonicalText } from "../../shared/signing/canonical.ts";
import { verifyMessage } from "../../shared/signing/verify.ts";
import { domainMessage, SIGNING_DOMAINS } from "../../shared/signing/domains.ts";
import { hasProtoKey } from "../../shared/protocol/proto-keys.ts";
import { identityFromFacts, type DeviceIdentity } from "../store/identity.ts";
import type { RenderedView, StoreCopy } from "../store/types.ts";
import { renderedAuthentikView } from "../lookup/rendered-view.ts";
import { policyFactsText } from "../lookup/policy-snapshot.ts";
import { checkAgentFrame } from "./frame.ts";
import type { PublicKeyCache } from "./key-cache.ts";
import { compileCheck } from "./schema-check.ts";
import { expandFamilies, type LatestBody } from "./expand-families.ts";
import { isWholeBuffer } from "./owned-frame.ts";

/** Accepts exactly-as-zod the bodies zod would accept unchanged; see schema-check.ts. */
const bodyCheck = compileCheck(SnapshotBodySchema);

/** A signed, canonical, schema-valid body: what the session still has to check, and what is stored. */
export interface VerifiedBody {
  ok: true;
  deviceId: string;
  nonce: string;
  seq: number;
  collectedAt: string;
  /**
   * The signed body's UTF-8 exactly as received, and its signature. Bytes, not text: they are moved
   * to the main thread, where a text would be copied into its heap (store/lazy-snapshot.ts).
   */
  body: Uint8Array;
  signature: string;
  identity: DeviceIdentity;
  /** The authentik view identity providers will read, rendered and deflated here rather than on each read. */
  view: RenderedView;
  /** What sign-ins evaluate (lookup/policy-snapshot.ts), taken here from the parsed facts. */
  policyFacts: string;
  /** The store's own copies of `body` and the view's bytes, made here rather than on the event loop. */
  storeCopy: StoreCopy;
}

export type BodyVerdict = VerifiedBody | { ok: false; code: ErrorCode; message: string; seq?: number };

export type FrameVerdict =
  /** Not JSON, or not a frame of the protocol: a `malformed_frame` with this message. */
  | { kind: "malformed"; message: string }
  /** A well-formed frame other than a snapshot (small: auth, certRequest). */
  | { kind: "frame"; frame: Exclude<AgentFrame, { type: "snapshot" }> }
  /**
   * A well-formed snapshot frame; `body` null when no device key was given (not authenticated).
   * `compact`: the frame was compact, and was rebuilt from the `latest` given.
   */
  | { kind: "snapshot"; requestId?: string; compact?: true; body: BodyVerdict | null }
  /**
   * A compact snapshot frame, and no `latest` was given: ask again, with these bytes (the frame,
   * handed back: a caller may have moved it to a verify thread, verify-pool.ts) and the device's
   * latest stored body.
   */
  | { kind: "compact"; bytes: Uint8Array };

/**
 * `publicKey`: the session's device key (raw Ed25519, base64), null before auth. `keys` keeps the
 * KeyObjects of the thread this runs on. `latest`: for a compact frame, the device's latest stored
 * body (null: it has none).
 */
export function frameVerdict(bytes: Uint8Array, publicKey: string | null, keys: PublicKeyCache, latest?: LatestBody | null): FrameVerdict {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    return { kind: "malformed", message: "the frame is not valid JSON" };
  }
  const checked = checkAgentFrame(json);
  if (!checked.success) return { kind: "malformed", message: `the frame does not match the protocol schema: ${checked.where}: ${checked.message}`.slice(0, 1000) };
  const frame = checked.data;
  if (frame.type !== "snapshot") return { kind: "frame", frame };
  const requestId = frame.requestId !== undefined ? { requestId: frame.requestId } : {};
  if (publicKey === null) return { kind: "snapshot", ...requestId, body: null };
  if (frame.digests === undefined && frame.deltas === undefined) return { kind: "snapshot", ...requestId, body: bodyVerdict(frame.body, frame.signature, keys.get(publicKey)) };
  if (latest === undefined) return { kind: "compact", bytes };
  // A compact frame becomes the full body its signature covers; from here on both are the same.
  const expanded = expandFamilies(frame, latest);
  return { kind: "snapshot", ...requestId, compact: true, body: expanded.ok ? bodyVerdict(expanded.text, frame.signature, keys.get(publicKey)) : expanded };
}

function reject(code: ErrorCode, message: string): BodyVerdict {
  return { ok: false, code, message };
}

function bodyVerdict(text: string, signature: string, key: ReturnType<PublicKeyCache["get"]>): BodyVerdict {
  // Verify the bytes exactly as they arrived (a compact frame's as rebuilt); nothing from them is
  // trusted or even parsed before.
  const message = domainMessage("snapshot", text);
  if (!verifyMessage(message, Buffer.from(signature, "base64"), key)) {
    return reject("bad_signature", "the snapshot signature does not verify against the device key");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return reject("bad_snapshot", "the signed body is not valid JSON");
  }
  // One signed body, one meaning: duplicate keys (JSON.parse keeps the last, SQLite's json_extract
  // the first), escapes, whitespace or key order would let the stored bytes and the facts the
  // policies read disagree, and a stored snapshot would no longer re-verify after re-serialising.
  if (!isCanonicalText(text, json)) {
    return reject("non_canonical_body", "the signed body is not its RFC 8785 canonical form (duplicate keys, whitespace, key order, escapes or number format)");
  }
  // JSON.parse makes "__proto__" an own key, but every copy made later (zod, spreads) turns it into
  // a prototype: the facts served would change between ingest and a restart.
  if (hasProtoKey(text, json)) return reject("bad_snapshot", 'the signed body has a "__proto__" key');
  let body: SnapshotBody;
  if (bodyCheck?.(json)) body = json as SnapshotBody;
  else {
    // Whatever the compiled check is unsure of, zod decides, and its message is the one sent.
    const parsed = SnapshotBodySchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return reject("bad_snapshot", `the signed body does not match the snapshot schema: ${first?.path.join(".") || "(root)"}: ${first?.message ?? ""}`.slice(0, 1000));
    }
    body = parsed.data;
  }
  const bytes = movableBody(message, SIGNING_DOMAINS.snapshot.length);
  const view = renderedAuthentikView(body.facts, body.unknown);
  return {
    ok: true,
    deviceId: body.deviceId,
    nonce: body.nonce,
    seq: body.seq,
    collectedAt: body.collectedAt,
    body: bytes,
    signature,
    identity: identityFromFacts(body.facts),
    view,
    policyFacts: policyFactsText(body.facts, body.unknown),
    storeCopy: { body: new Uint8Array(bytes), view: new Uint8Array(view.deflated) },
  };
}

/**
 * The body's bytes in a buffer the thread can move: the verified message's own after its prefix,
 * or a copy when the message is a slice of Node's shared pool (a body under 4 KB).
 */
function movableBody(message: Buffer, bodyStart: number): Uint8Array {
  return isWholeBuffer(message) ? new Uint8Array(message.buffer, bodyStart, message.byteLength - bodyStart) : new Uint8Array(message.subarray(bodyStart));
}
