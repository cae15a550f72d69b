/**
 * A forged identity key must not enroll, and a weak key already in the database (enrolled before
 * the strict rules) must not authenticate or sign snapshots. Real connector on a real SQLite file.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { ProtocolClient } from "../support/protocol-client.ts";
import { issueEnrollToken } from "../../connector/tokens/issue.ts";
import { hashSecret, newDeviceId } from "../../connector/tokens/secrets.ts";
import { SMALL_ORDER_ENCODINGS } from "../support/small-order.ts";

const IDENTITY = Buffer.from("01" + "00".repeat(31), "hex");
/** R = identity, S = 0. */
const FORGED = Buffer.alloc(64);
FORGED[0] = 1;

let t: TestConnector;
before(async () => {
  t = await startTestConnector();
});
after(async () => t.stop());

async function enrollRaw(publicKey: Buffer, signature: Buffer) {
  const res = await fetch(`${t.connector.url}/v1/enroll`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: t.enrollToken, publicKey: publicKey.toString("base64"), signature: signature.toString("base64"), hostname: "forger" }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

describe("weak Ed25519 keys", () => {
  test("the identity key with R = identity, S = 0 is refused at enrollment with bad_public_key", async () => {
    const before = (await t.connector.store.counts()).devices;
    const res = await enrollRaw(IDENTITY, FORGED);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error?.code, "bad_public_key");
    assert.match(res.body.error!.message, /small-order/);
    assert.equal((await t.connector.store.counts()).devices, before);
  });

  test("every encoding of every small-order point is refused, so none can enroll twice under another spelling", async () => {
    for (const hex of SMALL_ORDER_ENCODINGS) {
      const res = await enrollRaw(Buffer.from(hex, "hex"), FORGED);
      assert.equal(res.body.error?.code, "bad_public_key", `${hex}: ${JSON.stringify(res.body)}`);
    }
  });

  test("a non-canonical key (y ≥ p) is refused", async () => {
    const raw = Buffer.from("f0" + "ff".repeat(30) + "7f", "hex");
    const res = await enrollRaw(raw, FORGED);
    assert.equal(res.body.error?.code, "bad_public_key");
    assert.match(res.body.error!.message, /canonical/);
  });

  test("a device stored with the identity key cannot authenticate with the forged signature", async () => {
    const { secret } = await issueEnrollToken(t.connector.store, { label: "legacy" }, Date.now());
    const deviceId = newDeviceId();
    const outcome = await t.connector.store.enrollDevice(hashSecret(secret), {
      id: deviceId, name: "legacy", publicKey: IDENTITY.toString("base64"), platform: "linux", serial: null, manufacturer: null, model: null,
      machineId: null, hardwareUuid: null, hostname: "legacy", username: null, enrolledAt: Date.now(), revokedAt: null, lastSeq: 0, lastSeenAt: null,
    }, Date.now());
    assert.equal(outcome.ok, true);
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    client.sendJson({ type: "auth", deviceId, signature: FORGED.toString("base64"), agentVersion: "forger" });
    const answer = (await client.next()) as { type: string; code?: string };
    assert.equal(answer.type, "error", JSON.stringify(answer));
    assert.equal(answer.code, "bad_signature");
    assert.equal((await client.closed).code, 4001);
  });
});
