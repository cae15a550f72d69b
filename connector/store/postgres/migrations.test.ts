import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { openPostgresStore } from "./store.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import { createTestSchema, postgresSkipReason, type TestSchema } from "../../../test/support/postgres-schema.ts";
import { parsePostgresLocation, redactLocation } from "./connection.ts";

const skip = await postgresSkipReason();

describe("postgres migrations", { skip }, () => {
  const schemas: TestSchema[] = [];
  const fresh = async () => {
    const s = await createTestSchema();
    schemas.push(s);
    return s;
  };
  after(async () => {
    for (const s of schemas) await s.drop();
  });

  test("replicas starting at once on an empty schema migrate it exactly once", async () => {
    const s = await fresh();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(s.url, { poolSize: 2 })));
    const { rows } = await stores[0]!.pool.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
    const report = await stores[1]!.migrate();
    assert.deepEqual(report.applied, [], "nothing left to apply");
    for (const st of stores) await st.close();
  });

  test("refuses a schema migrated by a newer Facet", async () => {
    const s = await fresh();
    const store = await openPostgresStore(s.url);
    await store.pool.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)");
    await store.close();
    await assert.rejects(openPostgresStore(s.url), /version 999 .*upgrade Facet/);
  });

  test("with migrate: false, refuses to start on a schema with pending migrations", async () => {
    const s = await fresh();
    await assert.rejects(openPostgresStore(s.url, { migrate: false }), /facet-connector migrate/);
    await (await openPostgresStore(s.url)).close();
    const store = await openPostgresStore(s.url, { migrate: false });
    await store.close();
  });

  test("keeps each schema's tables to itself", async () => {
    const a = await fresh();
    const b = await fresh();
    const sa = await openPostgresStore(a.url);
    const sb = await openPostgresStore(b.url);
    await sa.putSetting("where", "a");
    assert.equal(await sb.getSetting("where"), null);
    const client = new pg.Client({ connectionString: parsePostgresLocation(a.url).connectionString });
    await client.connect();
    const { rows } = await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1", [a.schema]);
    await client.end();
    assert.ok(rows[0].n >= 8);
    await sa.close();
    await sb.close();
  });
});

describe("postgres location", () => {
  test("takes the schema from the URL and passes the rest to pg", () => {
    const loc = parsePostgresLocation("postgres://u:pw@db.internal:5433/facet?schema=tenant_1&sslmode=require");
    assert.equal(loc.schema, "tenant_1");
    assert.equal(loc.connectionString, "postgres://u:pw@db.internal:5433/facet?sslmode=require");
  });

  test("rejects a schema name that is not a plain identifier", () => {
    assert.throws(() => parsePostgresLocation("postgres://h/db?schema=x;drop"), /schema must match/);
    assert.throws(() => parsePostgresLocation("postgres://h/db?schema=Upper"), /schema must match/);
  });

  test("hides the password when a location is logged", () => {
    assert.equal(redactLocation("postgres://facet:s3cret@db/facet"), "postgres://facet:***@db/facet");
  });
});
