/**
 * Builds signed agent frames fast enough that the load generator is never the bottleneck.
 *
 * The canonical (RFC 8785) snapshot body is assembled from a per-device template: the facts and
 * unknown maps are canonicalized once, and only the fields that change per snapshot (seq,
 * collectedAt, nonce) are spliced in. JCS orders keys by UTF-16 code units and serializes strings
 * and safe integers exactly as JSON.stringify does, so the result is byte-identical to
 * `canonicalJson(body)` — snapshot-frames.test.ts proves it against the shared implementation.
 */
import { sign } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { FACTS_VERSION, type Facts, type Unknown } from "../../shared/facts/schema.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";
import { domainMessage } from "../../shared/signing/domains.ts";
import type { FamilyDigests } from "../../shared/protocol/family-digests.ts";

export interface SnapshotTemplate {
  deviceId: string;
  agentVersion: string;
  factsJson: string;
  unknownJson: string;
  /** The steady state (family digests): the facts text without the unchanged families, and their digests. */
  compact?: { factsJson: string; digests: FamilyDigests };
}

export function snapshotTemplate(deviceId: string, agentVersion: string, facts: Facts, unknown: Unknown): SnapshotTemplate {
  return { deviceId, agentVersion, factsJson: canonicalJson(facts), unknownJson: canonicalJson(unknown) };
}

/** The canonical body text: keys in JCS order agentVersion, collectedAt, deviceId, facts, nonce, seq, unknown, v. */
export function canonicalSnapshotBody(t: SnapshotTemplate, seq: number, collectedAt: string, nonce: string): string {
  return (
    `{"agentVersion":${JSON.stringify(t.agentVersion)},"collectedAt":${JSON.stringify(collectedAt)}` +
    `,"deviceId":${JSON.stringify(t.deviceId)},"facts":${t.factsJson},"nonce":${JSON.stringify(nonce)}` +
    `,"seq":${seq},"unknown":${t.unknownJson},"v":${FACTS_VERSION}}`
  );
}

/**
 * A complete `snapshot` frame as UTF-8 bytes, signed with node:crypto's native Ed25519. `compact`
 * (with a template that has one) sends the steady-state form: the full body is what is signed, the
 * frame carries it without the unchanged families, named in `digests`.
 */
export function signedSnapshotFrame(
  t: SnapshotTemplate,
  key: KeyObject,
  seq: number,
  nonce: string,
  collectedAt: string = new Date().toISOString(),
  requestId?: string,
  compact = false,
): Buffer {
  const body = canonicalSnapshotBody(t, seq, collectedAt, nonce);
  const signature = sign(null, domainMessage("snapshot", Buffer.from(body, "utf8")), key).toString("base64");
  const sent = compact && t.compact ? { body: canonicalSnapshotBody({ ...t, factsJson: t.compact.factsJson }, seq, collectedAt, nonce), digests: t.compact.digests } : { body };
  const frame = { type: "snapshot", body: sent.body, signature, ...("digests" in sent ? { digests: sent.digests } : {}), ...(requestId === undefined ? {} : { requestId }) };
  return Buffer.from(JSON.stringify(frame), "utf8");
}

/** The `auth` frame answering a session nonce. */
export function authFrame(deviceId: string, nonce: string, key: KeyObject, agentVersion: string): string {
  const payload = Buffer.from(canonicalJson({ deviceId, nonce }), "utf8");
  const signature = sign(null, domainMessage("auth", payload), key).toString("base64");
  return JSON.stringify({ type: "auth", deviceId, signature, agentVersion });
}

/** Proof of possession for `POST /v1/enroll`. */
export function enrollSignature(publicKeyB64: string, token: string, key: KeyObject): string {
  const payload = Buffer.from(canonicalJson({ publicKey: publicKeyB64, token }), "utf8");
  return sign(null, domainMessage("enroll", payload), key).toString("base64");
}
