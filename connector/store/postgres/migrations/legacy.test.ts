import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createPool, parsePostgresLocation } from "../connection.ts";
import { openPostgresStore } from "../store.ts";
import { createTestSchema, postgresSkipReason, type TestSchema } from "../../../../test/support/postgres-schema.ts";
import { MIGRATIONS, migrate, type Migration } from "./index.ts";
import { device, write } from "../../../../test/support/store/fixtures.ts";
import { deflateOpenObject, inflateObject } from "../../deflated-view.ts";

const skip = await postgresSkipReason();

/** The previous layout's migrations, as generated from commit 7d10593 (fixtures/README.md). */
const LEGACY = JSON.parse(readFileSync(new URL("./fixtures/legacy-7d10593.json", import.meta.url), "utf8")) as Migration[];
const folded = (sql: string) => sql.replace(/\s+/g, " ").trim();

/** Applies these migrations alone to the schema, as an older connector would have; returns the versions applied. */
async function migrateOnly(schema: TestSchema, migrations: Migration[]): Promise<number[]> {
  const location = parsePostgresLocation(schema.url);
  const pool = createPool(location, { max: 1, applicationName: "facet-legacy-test" });
  try {
    const client = await pool.connect();
    try {
      return (await migrate(client, location.schema, migrations)).applied;
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

test("each number names the same change as in the previous layout", () => {
  assert.deepEqual(
    MIGRATIONS.slice(0, LEGACY.length).map((m) => [m.version, m.name, folded(m.sql)]),
    LEGACY.map((m) => [m.version, m.name, folded(m.sql)]),
  );
});

describe("a schema migrated by the previous layout", { skip }, () => {
  let schema: TestSchema;
  after(async () => {
    await schema?.drop();
  });

  test("opens without running any migration again", async () => {
    schema = await createTestSchema();
    assert.deepEqual(await migrateOnly(schema, LEGACY), [1, 2, 3, 4, 5]);

    const store = await openPostgresStore(schema.url, { poolSize: 2 });
    try {
      assert.deepEqual((await store.migrate()).applied, [], "nothing re-run");
      const { rows } = await store.pool.query<{ version: number; name: string }>("SELECT version, name FROM schema_migrations ORDER BY version");
      assert.deepEqual(rows, MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      await store.createEnrollToken({ id: "t1", label: null, username: "alice", createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h1");
      assert.equal((await store.listEnrollTokens())[0]?.username, "alice");
    } finally {
      await store.close();
    }
  });
});

describe("a schema at migration 006", { skip }, () => {
  let schema: TestSchema;
  after(async () => {
    await schema?.drop();
  });

  test("gets 007 and 008, after which snapshots store their policy facts and a deflated view; a view stored as text is dropped", async () => {
    schema = await createTestSchema();
    assert.deepEqual(await migrateOnly(schema, MIGRATIONS.filter((m) => m.version <= 6)), [1, 2, 3, 4, 5, 6]);
    const pool = createPool(parsePostgresLocation(schema.url), { max: 1, applicationName: "facet-legacy-test" });
    try {
      await pool.query("INSERT INTO devices (id, public_key, enrolled_at) VALUES ('d0', 'k', 1)");
      await pool.query("INSERT INTO snapshot_views (device_id, seq, collected_at, version, view) VALUES ('d0', 1, 1, 1, '{}')");
    } finally {
      await pool.end();
    }

    const store = await openPostgresStore(schema.url, { poolSize: 2 });
    try {
      const { rows } = await store.pool.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      assert.deepEqual(rows.map((r) => r.version), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.equal(await store.latestView("d0"), null, "the text view is gone; the body stays, and the view is rendered from it on read");
      await store.createEnrollToken({ id: "t1", label: null, createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h1");
      assert.equal((await store.enrollDevice("h1", device("d1"), 1000)).ok, true);
      const policyFacts = { version: 1, text: '{"facts":{},"unknown":{}}' };
      assert.deepEqual(await store.writeSnapshots([{ ...write("d1", 1), policyFacts, view: { version: 1, ...deflateOpenObject('{"data":{}}') } }]), ["accepted"]);
      assert.deepEqual((await store.latestPolicyFacts(["d1"])).get("d1"), { ...policyFacts, seq: 1, collectedAt: write("d1", 1).snapshot.collectedAt });
      assert.equal(inflateObject((await store.latestView("d1"))!), '{"data":{}}');
    } finally {
      await store.close();
    }
  });
});
