/**
 * Error codes sent in `error` frames and REST error bodies. Stable strings: agents and auth
 * servers branch on them, and docs/protocol.md lists each.
 */
export const ERROR_CODES = {
  malformed_frame: "the frame is not valid JSON or does not match the protocol schema",
  frame_too_large: "the frame is larger than the connector's maxPayload",
  unexpected_message: "this message type is not allowed in the session's current state",
  auth_timeout: "the agent did not authenticate in time",
  unknown_device: "no device with this id is enrolled",
  revoked_device: "the device has been revoked",
  bad_signature: "the signature does not verify against the device's key",
  bad_snapshot: "the signed snapshot body is not valid JSON or does not match the snapshot schema",
  unknown_family_digest: "a family digest in a compact snapshot matches nothing the connector holds for this device; send that snapshot in full",
  non_canonical_body: "the signed snapshot body is not exactly its RFC 8785 canonical form",
  device_mismatch: "the snapshot names another device than the authenticated one",
  nonce_mismatch: "the snapshot was not signed for this session's nonce",
  replayed_seq: "seq is not greater than the last accepted seq for this device",
  clock_skew: "collectedAt is too far in the future or too old",
  rate_limited: "too many frames in too short a time",
  bad_csr: "the certificate request is too large, does not parse, is not ECDSA P-256, or its signature does not verify",
  certificate_rate_limited: "this device asked for too many certificates recently; ask again later",
  store_unavailable: "the connector's database cannot store the snapshot now (full, read-only or unreachable); it is not acked, resend later",
  internal: "the connector could not process the message",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** WebSocket close codes (4000–4999 are application-defined). 1009 is the standard "too big". */
export const CLOSE_CODES = {
  frameTooLarge: 1009,
  authFailed: 4001,
  authTimeout: 4002,
  protocolViolation: 4003,
  revoked: 4004,
  rateLimited: 4008,
  /** A newer connection authenticated as the same device. */
  replaced: 4009,
  shuttingDown: 1001,
} as const;
