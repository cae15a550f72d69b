/** `POST /v1/enroll`: the one unauthenticated REST call, made by an agent with a token. */
import { z } from "zod";

/** Names a person reads and databases index: no control characters (PostgreSQL refuses NUL). */
const label = (max: number) => z.string().max(max).regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

export const EnrollRequestSchema = z.strictObject({
  token: z.string().min(8).max(256),
  /** Raw 32-byte Ed25519 public key, base64. */
  publicKey: z.string().max(64).regex(/^[A-Za-z0-9+/]{43}=$/, "must be a base64 32-byte key"),
  /** Proof of possession: signature (base64) over domain `enroll` + canonical `{publicKey, token}`. */
  signature: z.string().max(128),
  hostname: label(255).optional(),
  platform: label(32).optional(),
  /** The console user at enrollment, bound to the device for endpoint-stage lookups by username. */
  username: label(256).optional(),
  agentVersion: label(64).optional(),
});

export const EnrollResponseSchema = z.strictObject({
  deviceId: z.string(),
  /** Where to open the agent WebSocket, relative to the connector URL. */
  agentPath: z.string(),
});

export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;
