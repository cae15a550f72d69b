import { test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import Database from "better-sqlite3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isStoreUnavailable } from "./unavailable.ts";

test("a PostgreSQL server that refuses connections is 'unavailable'", async () => {
  // Port 1 on loopback: nothing listens there.
  const client = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:1/test", connectionTimeoutMillis: 2000 });
  const error = await client.connect().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof Error);
  assert.equal(isStoreUnavailable(error), true);
});

test("a PostgreSQL server shutting down (SQLSTATE 57P01) and a lost connection (08006) are 'unavailable'", () => {
  assert.equal(isStoreUnavailable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" })), true);
  assert.equal(isStoreUnavailable(Object.assign(new Error("connection failure"), { code: "08006" })), true);
  assert.equal(isStoreUnavailable(new Error("Connection terminated unexpectedly")), true);
  assert.equal(isStoreUnavailable(new Error("wrapped", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) })), true);
});

test("a SQLite database locked past its busy timeout is 'unavailable'", () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "facet-busy-")), "busy.db");
  const a = new Database(file);
  const b = new Database(file, { timeout: 10 });
  a.exec("CREATE TABLE t (x)");
  a.exec("BEGIN IMMEDIATE");
  try {
    const error = (() => { try { b.exec("BEGIN IMMEDIATE"); } catch (e) { return e; } })();
    assert.equal(isStoreUnavailable(error), true);
  } finally {
    a.exec("ROLLBACK");
    a.close();
    b.close();
  }
});

test("bugs and bad data are not 'unavailable': they stay 500s", () => {
  assert.equal(isStoreUnavailable(new TypeError("cannot read properties of undefined")), false);
  assert.equal(isStoreUnavailable(Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" })), false);
  assert.equal(isStoreUnavailable(Object.assign(new Error("syntax error"), { code: "42601" })), false);
  assert.equal(isStoreUnavailable("not an error"), false);
});
