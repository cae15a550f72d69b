/**
 * `POST /v1/enroll`: the one unauthenticated call. An agent presents an enrollment token and its
 * new public key, proves it holds the private key (signature over {publicKey, token}), and gets a
 * device id. Token checks and the use count are one store transaction.
 */
import type { Hono } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";
import { EnrollRequestSchema, type EnrollResponse } from "../../../shared/protocol/enroll.ts";
import { canonicalBytes } from "../../../shared/signing/canonical.ts";
import { weakPublicKeyReason } from "../../../shared/signing/strict.ts";
import { publicKeyFromRaw, verifySignature } from "../../../shared/signing/verify.ts";
import { AGENT_PATH } from "../../agent-channel/channel.ts";
import { addressSource } from "../../events/rejections.ts";
import { hashSecret, newDeviceId } from "../../tokens/secrets.ts";
import type { HttpDeps } from "../deps.ts";
import { apiError } from "../middleware/errors.ts";
import { jsonBody } from "../middleware/validate.ts";

const REASON_MESSAGES = {
  unknown_token: "the enrollment token is not known",
  expired_token: "the enrollment token has expired",
  used_up_token: "the enrollment token has no uses left",
  revoked_token: "the enrollment token has been revoked",
  key_in_use: "this public key is already enrolled to a live device; a cloned agent must enroll with a new key (facet-agent enroll --force)",
  key_revoked: "this public key belongs to a revoked device; enroll with a new key (facet-agent enroll --force)",
} as const;

export function mountEnroll(app: Hono, deps: HttpDeps): void {
  app.post("/v1/enroll", jsonBody(EnrollRequestSchema), async (c) => {
    const req = c.req.valid("json");
    const now = deps.now();
    const remoteAddress = remoteAddressOf(c);
    const rejected = (code: string) =>
      deps.rejections.record({ type: "enroll.rejected", at: now, deviceId: null, data: { code, hostname: req.hostname ?? null, remoteAddress } }, addressSource(remoteAddress));

    const proof = Buffer.from(req.signature, "base64");
    const rawKey = Buffer.from(req.publicKey, "base64");
    const weak = weakPublicKeyReason(rawKey);
    if (weak !== null) {
      await rejected("bad_public_key");
      return apiError(c, 400, "bad_public_key", `the public key ${weak}; generate a new key pair`);
    }
    const key = publicKeyFromRaw(rawKey);
    if (!verifySignature("enroll", canonicalBytes({ publicKey: req.publicKey, token: req.token }), proof, key)) {
      await rejected("bad_signature");
      return apiError(c, 400, "bad_signature", "the proof-of-possession signature does not verify against the public key");
    }

    const outcome = await deps.store.enrollDevice(
      hashSecret(req.token),
      {
        id: newDeviceId(),
        name: req.hostname ?? null,
        publicKey: req.publicKey,
        platform: req.platform ?? null,
        serial: null,
        manufacturer: null,
        model: null,
        machineId: null,
        hardwareUuid: null,
        hostname: req.hostname ?? null,
        username: req.username ?? null,
        enrolledAt: now,
        revokedAt: null,
        lastSeq: 0,
        lastSeenAt: null,
      },
      now,
    );
    if (!outcome.ok) {
      await rejected(outcome.reason);
      const conflict = outcome.reason === "key_in_use" || outcome.reason === "key_revoked";
      return apiError(c, conflict ? 409 : 401, outcome.reason, REASON_MESSAGES[outcome.reason]);
    }
    deps.log.info({ deviceId: outcome.device.id, hostname: req.hostname }, "device enrolled");
    const response: EnrollResponse = { deviceId: outcome.device.id, agentPath: AGENT_PATH };
    return c.json(response, 201);
  });
}

/** The peer's address; null under a runtime without a socket (app.request in tests). */
function remoteAddressOf(c: Parameters<typeof getConnInfo>[0]): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
