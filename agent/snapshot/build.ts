/**
 * From collected facts to a signed `snapshot` frame. The frame carries the exact canonical (RFC
 * 8785) text that was signed, so the connector verifies those bytes before it parses anything.
 */
import { FACTS_VERSION, type Facts } from "../../shared/facts/schema.ts";
import type { SnapshotFrame } from "../../shared/protocol/messages.ts";
import type { SnapshotBody } from "../../shared/protocol/snapshot.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";
import { compactBodyText, expandBodyText, type FactFamily } from "../../shared/protocol/family-digests.ts";
import type { Compaction } from "./baseline.ts";
import { sign } from "../../shared/signing/sign.ts";
import { AGENT_VERSION } from "../version.ts";

/** What the agent keeps of a snapshot between sessions: everything but the session nonce. */
export interface SnapshotContent {
  seq: number;
  collectedAt: string;
  facts: Facts;
  unknown: Record<string, string>;
}

export function buildSnapshotBody(deviceId: string, nonce: string, content: SnapshotContent, agentVersion = AGENT_VERSION): SnapshotBody {
  return {
    v: FACTS_VERSION,
    deviceId,
    seq: content.seq,
    collectedAt: content.collectedAt,
    nonce,
    agentVersion,
    facts: content.facts,
    unknown: content.unknown,
  };
}

/**
 * Signs the full body. With a compaction (from the acked baseline, baseline.ts), the frame carries
 * the body without the families it covers (shared/protocol/family-digests.ts), provided the
 * connector's rebuilding of it gives back exactly the signed text; otherwise the frame is full.
 */
export function signSnapshot(body: SnapshotBody, secretKey: Uint8Array, requestId?: string, compaction?: Compaction): SnapshotFrame {
  const text = canonicalJson(body);
  const signature = sign("snapshot", Buffer.from(text, "utf8"), secretKey).toString("base64");
  const frame = snapshotFrame(text, signature, requestId);
  if (compaction === undefined) return frame;
  const { digests, deltas, resolve } = compaction;
  const families = [...Object.keys(digests), ...Object.keys(deltas)] as FactFamily[];
  if (families.length === 0) return frame;
  const compact = compactBodyText(body, families);
  const rebuilt = expandBodyText(compact, digests, deltas, resolve);
  if (!rebuilt.ok || rebuilt.text !== text) return frame;
  return {
    ...snapshotFrame(compact, signature, requestId),
    ...(Object.keys(digests).length > 0 ? { digests } : {}),
    ...(Object.keys(deltas).length > 0 ? { deltas } : {}),
  };
}

/**
 * An Ed25519 signature is always 64 bytes, 88 base64 characters that JSON never escapes, so a
 * frame's size is known without signing it: sizing a snapshot costs no signature.
 */
const SIGNATURE_PLACEHOLDER = "A".repeat(88);

/** The UTF-8 size of the frame `signSnapshot` would produce for this body and requestId. */
export function snapshotFrameBytes(body: SnapshotBody, requestId?: string): number {
  return Buffer.byteLength(JSON.stringify(snapshotFrame(canonicalJson(body), SIGNATURE_PLACEHOLDER, requestId)), "utf8");
}

function snapshotFrame(body: string, signature: string, requestId: string | undefined): SnapshotFrame {
  return { type: "snapshot", body, signature, ...(requestId !== undefined ? { requestId } : {}) };
}
