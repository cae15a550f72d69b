import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgresStore, type PostgresStore } from "./store.ts";
import { createTestSchema, postgresSkipReason, TEST_DATABASE_URL, type TestSchema } from "../../../test/support/postgres-schema.ts";

const skip = await postgresSkipReason();

describe("postgres connections lost under the store", { skip }, () => {
  // Terminations pick this store's backends by name, never another run's on the shared server.
  const applicationName = `facet_conn_${randomBytes(4).toString("hex")}`;
  let schema: TestSchema;
  let store: PostgresStore;
  let admin: pg.Client;
  before(async () => {
    schema = await createTestSchema();
    store = await openPostgresStore(schema.url, { poolSize: 2, applicationName });
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
  });
  after(async () => {
    await store?.close();
    await admin?.end();
    await schema?.drop();
  });

  test("a backend terminated between two queries of a transaction fails that transaction, not the process", async () => {
    const uncaught: Error[] = [];
    const watch = (err: Error) => uncaught.push(err);
    process.on("uncaughtExceptionMonitor", watch);
    await assert.rejects(
      store.transaction(async (c) => {
        const { rows } = await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
        // The FATAL arrives while no query is running on this checked-out client: without a
        // listener on it, pg would raise an uncaught 'error' and end the process here.
        await new Promise((r) => setTimeout(r, 300));
        await c.query("SELECT 1");
      }),
    );
    // The broken connection was dropped, not handed back: the pool serves the next callers.
    assert.equal(await store.getDevice("nobody"), null);
    assert.equal(await store.getDevice("nobody"), null);
    process.off("uncaughtExceptionMonitor", watch);
    assert.deepEqual(uncaught.map((e) => e.message), [], "nothing escaped as an uncaught exception");
  });

  test("idle pooled connections terminated by the server are replaced", async () => {
    await Promise.all([store.getDevice("a"), store.getDevice("b")]);
    const { rows } = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) t",
      [applicationName],
    );
    assert.ok(rows[0]!.n >= 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await store.getDevice("a"), null);
  });
});
