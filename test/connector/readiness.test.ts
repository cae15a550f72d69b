/**
 * GET /readyz beside /healthz: the store's write probe decides, with the replicas' bus on
 * PostgreSQL; the OS release catalog's state is reported but never takes the connector out.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { ClusterAgentHub } from "../../connector/cluster/hub.ts";
import { createConnector } from "../../connector/app.ts";
import { createLogger } from "../../connector/log.ts";
import { createTestSchema, postgresSkipReason } from "../support/postgres-schema.ts";
import type { Readiness } from "../../connector/http/routes/readiness.ts";
import { startTestConnector } from "../support/connector.ts";
import { until } from "../support/until.ts";

const DAY = 86_400_000;

async function readyz(url: string): Promise<{ status: number; body: Readiness; retryAfter: string | null }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness, retryAfter: res.headers.get("retry-after") };
}

describe("GET /readyz", () => {
  test("ready: the store writes, and the catalog in force is named with its age", async () => {
    const t = await startTestConnector();
    try {
      const { status, body } = await readyz(t.connector.url);
      assert.equal(status, 200);
      assert.equal(body.ready, true);
      assert.equal(body.store.writable, true);
      assert.equal(body.osCatalog.loaded, true);
      if (!body.osCatalog.loaded) return;
      assert.equal(body.osCatalog.source, "bundled", "nothing imported yet");
      assert.match(body.osCatalog.version, /^\d/);
      assert.equal(body.osCatalog.maxAgeDays, t.connector.limits.osCatalogMaxAgeDays);
      assert.equal("replicaBus" in body, false, "SQLite has no replicas");
    } finally {
      await t.stop();
    }
  });

  test("a stale catalog is reported but the connector stays ready", async () => {
    const t = await startTestConnector({ now: () => Date.now() + 400 * DAY });
    try {
      const { status, body } = await readyz(t.connector.url);
      assert.equal(status, 200);
      assert.equal(body.osCatalog.loaded && body.osCatalog.stale, true);
      assert.ok(body.osCatalog.loaded && body.osCatalog.ageDays >= 400);
    } finally {
      await t.stop();
    }
  });
});

const skip = await postgresSkipReason();

describe("GET /readyz with replicas on PostgreSQL", { skip }, () => {
  test("reports the replica bus; 503 while it does not listen", async () => {
    const schema = await createTestSchema();
    const connector = await createConnector({ database: schema.url, port: 0, logger: createLogger("silent") });
    try {
      const up = await readyz(connector.url);
      assert.equal(up.status, 200);
      assert.equal(up.body.store.kind, "postgres");
      assert.equal(up.body.replicaBus?.listening, true);
      assert.equal(up.body.replicaBus?.replicaId, (connector.hub as ClusterAgentHub).replicaId);

      await (connector.hub as ClusterAgentHub).bus.stop();
      let down: Awaited<ReturnType<typeof readyz>> | undefined;
      await until("readyz sees the bus down", async () => (down = await readyz(connector.url)).status === 503, 5000);
      assert.equal(down!.body.ready, false);
      assert.equal(down!.body.replicaBus?.listening, false);
      assert.equal(down!.body.store.writable, true, "the store itself is fine");
      assert.equal(down!.retryAfter, "5");
    } finally {
      await connector.close();
      await schema.drop();
    }
  });
});
