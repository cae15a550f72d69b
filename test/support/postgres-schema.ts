/**
 * Throwaway schemas for tests and benches: each run gets `facet_test_<random>` in the shared
 * database and drops it at the end, so parallel runs never see each other's rows.
 *
 * Where PostgreSQL is unreachable, tests skip with a clear reason locally but fail in CI
 * (CI=true), so a broken database never passes as green.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { quoteIdent } from "../../connector/store/postgres/connection.ts";

/** The server tests use; override with FACET_TEST_DATABASE_URL. */
export const TEST_DATABASE_URL = process.env.FACET_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestSchema {
  schema: string;
  /** TEST_DATABASE_URL with `schema=` set: what openStore / --database take. */
  url: string;
  drop(): Promise<void>;
}

/** Null when PostgreSQL answers; otherwise why not. */
export async function postgresUnavailable(url = TEST_DATABASE_URL): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (err) {
    return `PostgreSQL at ${url} is unreachable (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * For node:test's `skip` option: false when PostgreSQL is there, a reason to skip when it is not.
 * In CI it throws instead, failing the test file loudly.
 */
export async function postgresSkipReason(): Promise<string | false> {
  const reason = await postgresUnavailable();
  if (reason === null) return false;
  if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`${reason}; CI requires it`);
  return `${reason}; start it or set FACET_TEST_DATABASE_URL`;
}

export async function createTestSchema(prefix = "facet_test"): Promise<TestSchema> {
  const schema = `${prefix}_${randomBytes(6).toString("hex")}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("schema", schema);
  return {
    schema,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
