/**
 * The audit trail survives a flood: 1,500 bad enrollments from 1,500 distinct loopback addresses
 * (all of 127.0.0.0/8 is this host) against a real connector and SQLite file, then the
 * connector's own retention with a small row cap. Before, each address left an
 * `events.suppressed` row and pruning the oldest rows erased the enrollments and token changes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startTestConnector } from "../support/connector.ts";
import { enrollTestDevice } from "../support/protocol-client.ts";
import { openStore } from "../../connector/store/open.ts";
import { retentionAt } from "../../connector/events/retention.ts";
import { DEFAULT_LIMITS } from "../../connector/options.ts";

function badEnroll(port: number, localAddress: string): Promise<number> {
  const body = JSON.stringify({ token: "fce_not-a-real-token", publicKey: Buffer.alloc(32, 9).toString("base64"), signature: "AA==" });
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/v1/enroll", method: "POST", localAddress, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("1,500 bad enrollments from distinct addresses write a bounded number of summaries and prune no audit event", async () => {
  const maxRows = 200;
  const t = await startTestConnector({ limits: { eventMaxRows: maxRows } });
  try {
    await enrollTestDevice(t.connector.url, t.enrollToken);
    const created = (await (await t.api("/v1/tokens/api", { method: "POST", body: JSON.stringify({ name: "idp", scopes: ["endpoint:check"] }) })).json()) as { id: string };
    assert.equal((await t.api(`/v1/tokens/api/${created.id}/revoke`, { method: "POST" })).status, 200);
    const audit = ["device.enrolled", "token.created", "token.revoked"];
    const before = await t.connector.store.listEvents({ types: audit, limit: 100 });
    assert.equal(before.length, 3);

    const addresses = Array.from({ length: 1500 }, (_, i) => `127.${1 + (i >> 8)}.${i & 255}.1`);
    assert.equal(new Set(addresses).size, 1500);
    for (let i = 0; i < addresses.length; i += 25) {
      const statuses = await Promise.all(addresses.slice(i, i + 25).map((a) => badEnroll(t.connector.port, a)));
      assert.ok(statuses.every((s) => s === 400 || s === 401), String(statuses));
    }
    // Closing writes the pending summaries; the retention then runs as the connector runs it.
    await t.connector.close();
    const store = await openStore(t.databasePath);
    try {
      const suppressed = await store.listEvents({ types: ["events.suppressed"], limit: 10_000 });
      assert.ok(suppressed.length <= 25, `${suppressed.length} events.suppressed rows for 1,500 addresses`);
      await store.pruneEvents(retentionAt({ ...DEFAULT_LIMITS, eventMaxRows: maxRows }, Date.now()));
      const after = await store.listEvents({ types: audit, limit: 100 });
      assert.deepEqual(after.map((e) => e.id), before.map((e) => e.id), "every audit event survives the prune");
      assert.ok((await store.counts()).events! <= maxRows + audit.length);
    } finally {
      await store.close();
    }
  } finally {
    await t.stop(); // close() is idempotent
  }
});
