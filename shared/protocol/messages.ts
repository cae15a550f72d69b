/**
 * The agent ⇄ connector WebSocket protocol (path `/v1/agent`, JSON text frames).
 *
 *   connector → hello{nonce}        agent → auth{deviceId, signature over nonce}
 *   connector → welcome{interval}   agent → snapshot{body, signature} …  connector → ack{seq}
 *   (compact snapshots carry `digests` and `deltas` for families the connector holds: family-digests.ts)
 *   connector → refresh{requestId}  agent → snapshot{…, requestId}
 *   agent → certRequest{csr, requestId?}   connector → certificate{certificate, notAfter, requestId?}
 *   either    → error{code, message}
 *
 * docs/protocol.md is the prose version of this file.
 */
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "./errors.ts";
import { FamilyDeltasSchema, FamilyDigestsSchema } from "./family-digests.ts";

export const PROTOCOL_VERSION = 1;

const b64 = (maxLen: number) => z.string().max(maxLen).regex(/^[A-Za-z0-9+/_=-]*$/, "must be base64");

export const HelloSchema = z.strictObject({
  type: z.literal("hello"),
  protocol: z.literal(PROTOCOL_VERSION),
  nonce: z.string().min(16).max(128),
  serverTime: z.iso.datetime({ offset: true }),
});

export const AuthSchema = z.strictObject({
  type: z.literal("auth"),
  deviceId: z.string().min(1).max(128),
  /** Ed25519 signature (base64) over domain `auth` + canonical `{deviceId, nonce}`. */
  signature: b64(128),
  agentVersion: z.string().max(64),
});

export const WelcomeSchema = z.strictObject({
  type: z.literal("welcome"),
  deviceId: z.string(),
  /** Seconds between unprompted snapshots. */
  interval: z.number().int().positive(),
  /** The highest seq the connector has accepted from this device (0 if none). */
  lastSeq: z.number().int().nonnegative(),
  limits: z.strictObject({
    maxPayload: z.number().int().positive(),
    maxClockSkewSeconds: z.number().int().positive(),
    maxSnapshotAgeSeconds: z.number().int().positive(),
  }),
  /**
   * Optional protocol features this connector uses with this agent (`family-digests`): only ones
   * the agent offered in its upgrade request, so an agent that offered none gets the welcome it knows.
   */
  features: z.array(z.string().min(1).max(64)).max(32).optional(),
});

export const SnapshotFrameSchema = z.strictObject({
  type: z.literal("snapshot"),
  /**
   * The exact signed bytes: canonical (RFC 8785) JSON of a SnapshotBody, as UTF-8 text. With
   * `digests` or `deltas`, that text without the families they name (family-digests.ts).
   */
  body: z.string().min(2),
  /** Ed25519 signature (base64) over domain `snapshot` + the full body. */
  signature: b64(128),
  /** Families left out of `body.facts`, unchanged since the last acked snapshot: family → digest. */
  digests: FamilyDigestsSchema.optional(),
  /** List families left out of `body.facts` that changed a little: family → edits of the acked list. */
  deltas: FamilyDeltasSchema.optional(),
  /** Present when the snapshot answers a `refresh`. */
  requestId: z.string().max(128).optional(),
});

export const AckSchema = z.strictObject({
  type: z.literal("ack"),
  seq: z.number().int().positive(),
  requestId: z.string().max(128).optional(),
});

export const RefreshSchema = z.strictObject({
  type: z.literal("refresh"),
  requestId: z.string().min(1).max(128),
});

/**
 * After `welcome`: a PKCS#10 request for a device certificate (TLS client auth in browsers). The
 * authenticated session says which device asks; the CSR's signature proves the agent holds the key.
 */
export const CertRequestSchema = z.strictObject({
  type: z.literal("certRequest"),
  /** PEM, or base64 DER. A P-256 CSR is well under 1 KB; the connector refuses DER over 4 KiB. */
  csr: z.string().min(1).max(8192),
  /** Echoed in the `certificate` or `error` answer. */
  requestId: z.string().max(128).optional(),
});

export const CertificateSchema = z.strictObject({
  type: z.literal("certificate"),
  /** The device certificate, PEM, issued by the connector's device CA. */
  certificate: z.string().min(1).max(8192),
  notAfter: z.iso.datetime({ offset: true }),
  requestId: z.string().max(128).optional(),
});

const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];
export const ErrorFrameSchema = z.strictObject({
  type: z.literal("error"),
  code: z.enum(errorCodes),
  message: z.string().max(1024),
  seq: z.number().int().optional(),
  requestId: z.string().max(128).optional(),
});

/** Frames an agent may send. */
export const AgentFrameSchema = z.discriminatedUnion("type", [AuthSchema, SnapshotFrameSchema, CertRequestSchema]);
/** Frames a connector may send. */
export const ConnectorFrameSchema = z.discriminatedUnion("type", [
  HelloSchema,
  WelcomeSchema,
  AckSchema,
  RefreshSchema,
  CertificateSchema,
  ErrorFrameSchema,
]);

export type Hello = z.infer<typeof HelloSchema>;
export type Auth = z.infer<typeof AuthSchema>;
export type Welcome = z.infer<typeof WelcomeSchema>;
export type SnapshotFrame = z.infer<typeof SnapshotFrameSchema>;
export type CertRequest = z.infer<typeof CertRequestSchema>;
export type CertificateFrame = z.infer<typeof CertificateSchema>;
export type ErrorFrame = z.infer<typeof ErrorFrameSchema>;
export type AgentFrame = z.infer<typeof AgentFrameSchema>;
export type ConnectorFrame = z.infer<typeof ConnectorFrameSchema>;

/** What the agent signs to answer `hello`. */
export function authPayload(deviceId: string, nonce: string): { deviceId: string; nonce: string } {
  return { deviceId, nonce };
}
