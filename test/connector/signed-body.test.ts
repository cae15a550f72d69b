/**
 * One signed body, one meaning: a snapshot body must be exactly its RFC 8785 canonical form, so
 * that what the signature covers, what the policies read (JSON.parse keeps the last duplicate
 * key), what SQLite's json_extract reads (it keeps the first) and what a later re-verification
 * re-serialises are all the same document. Real connector, real WebSocket, real SQLite file.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollTestDevice, type TestDevice } from "../support/protocol-client.ts";
import { canonicalJson } from "../../shared/signing/canonical.ts";
import { sign } from "../../shared/signing/sign.ts";
import { FACTS_VERSION } from "../../shared/facts/schema.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../support/facts.ts";
import { openStore } from "../../connector/store/open.ts";

let t: TestConnector;
before(async () => {
  t = await startTestConnector();
});
after(async () => t.stop());

async function session(): Promise<{ device: TestDevice; client: ProtocolClient }> {
  const device = await enrollTestDevice(t.connector.url, t.enrollToken);
  const client = await ProtocolClient.connect(t.connector.agentUrl);
  assert.equal((await client.authenticate(device)).type, "welcome");
  return { device, client };
}

function body(device: TestDevice, client: ProtocolClient, seq: number, facts: Record<string, unknown> = sampleFacts() as unknown as Record<string, unknown>) {
  return {
    v: FACTS_VERSION,
    deviceId: device.deviceId,
    seq,
    collectedAt: new Date().toISOString(),
    nonce: client.hello.nonce,
    agentVersion: "test",
    facts,
    unknown: SAMPLE_UNKNOWN,
  };
}

/** Sends `text` signed exactly as it is: the signature is valid, only the bytes' form is at issue. */
async function sendSigned(client: ProtocolClient, device: TestDevice, text: string) {
  const signature = sign("snapshot", Buffer.from(text, "utf8"), device.keys.secretKey).toString("base64");
  client.sendJson({ type: "snapshot", body: text, signature });
  return (await client.next()) as { type: string; code?: string; seq?: number };
}

describe("the signed snapshot body must be its canonical form", () => {
  test("a canonical body is acked", async () => {
    const { device, client } = await session();
    const answer = await sendSigned(client, device, canonicalJson(body(device, client, 5)));
    assert.deepEqual(answer, { type: "ack", seq: 5 });
    client.close();
  });

  const variants: [string, (canonical: string) => string][] = [
    // The attack: policies (JSON.parse) see seq 2, SQLite's json_extract sees 100.
    ['a duplicate "seq" key ("seq":100,"seq":2)', (c) => c.replace(/"seq":(\d+)/, '"seq":100,"seq":$1')],
    ['two "facts" objects', (c) => c.replace('"facts":{', '"facts":{"os":{"family":"windows"}},"facts":{')],
    ["whitespace after a colon", (c) => c.replace('"seq":', '"seq": ')],
    ["a trailing newline", (c) => `${c}\n`],
    ["unsorted keys", (c) => c.replace(/^\{"agentVersion":"test",/, '{"v":1,"agentVersion":"test",').replace(/,"v":1\}$/, "}")],
    ["an escaped key (\\u0073eq)", (c) => c.replace('"seq":', '"\\u0073eq":')],
    ["a number written as 5.0", (c) => c.replace(/"seq":(\d+)/, '"seq":$1.0')],
  ];
  for (const [name, mutate] of variants) {
    test(`${name} is refused with non_canonical_body and nothing is stored`, async () => {
      const { device, client } = await session();
      const canonical = canonicalJson(body(device, client, 2));
      const text = mutate(canonical);
      assert.notEqual(text, canonical, "the mutation changed the bytes");
      JSON.parse(text); // still valid JSON: only its form differs
      const answer = await sendSigned(client, device, text);
      assert.equal(answer.type, "error", JSON.stringify(answer));
      assert.equal(answer.code, "non_canonical_body");
      assert.equal(await t.connector.store.latestSnapshot(device.deviceId), null);
      assert.equal((await t.connector.store.getDevice(device.deviceId))?.lastSeq, 0);
      // The session goes on: the same data in canonical form is acked.
      assert.deepEqual(await sendSigned(client, device, canonicalJson(body(device, client, 3))), { type: "ack", seq: 3 });
      client.close();
    });
  }
});

describe('"__proto__" keys', () => {
  test('a body whose facts hold "__proto__" is refused as bad_snapshot, so served facts cannot differ before and after a restart', async () => {
    const { device, client } = await session();
    const facts = JSON.parse(`{${canonicalJson(sampleFacts()).slice(1, -1)},"__proto__":{"polluted":true}}`) as Record<string, unknown>;
    assert.ok(Object.prototype.hasOwnProperty.call(facts, "__proto__"));
    const text = canonicalJson(body(device, client, 4, facts));
    assert.ok(text.includes('"__proto__":{"polluted":true}'), "the key survives canonicalisation");
    const answer = await sendSigned(client, device, text);
    assert.equal(answer.type, "error", JSON.stringify(answer));
    assert.equal(answer.code, "bad_snapshot");
    assert.equal(await t.connector.store.latestSnapshot(device.deviceId), null);
    client.close();
  });

  test('a nested "__proto__" (inside vendor facts) is refused too', async () => {
    const { device, client } = await session();
    const facts = JSON.parse(canonicalJson(sampleFacts()).replace('"vendor":null', '"vendor":{"acme":{"__proto__":{"isAdmin":true}}}')) as Record<string, unknown>;
    const answer = await sendSigned(client, device, canonicalJson(body(device, client, 4, facts)));
    assert.equal(answer.code, "bad_snapshot", JSON.stringify(answer));
    client.close();
  });

  test('"__proto__" inside a string value is ordinary data and is served the same after a restart', async () => {
    const { device, client } = await session();
    const facts = sampleFacts({ network: { ...sampleFacts().network, hostname: '"__proto__":{}' } } as never);
    assert.deepEqual(await sendSigned(client, device, canonicalJson(body(device, client, 7, facts as never))), { type: "ack", seq: 7 });
    client.close();
    // Facet's own view: the signed document as it was stored (the default view is authentik's).
    const fresh = await (await t.api(`/v1/devices/${device.deviceId}?view=facet`)).json() as { cached_facts: { data: unknown } };
    const reopened = await openStore(t.databasePath);
    try {
      const after = (await reopened.latestSnapshot(device.deviceId))!;
      assert.deepEqual(JSON.parse(after.body).facts, fresh.cached_facts.data);
    } finally {
      await reopened.close();
    }
  });
});
