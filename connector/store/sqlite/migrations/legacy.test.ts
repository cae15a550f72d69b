import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { openSqliteStore } from "../index.ts";
import { MIGRATIONS, migrate } from "./index.ts";
import { device, write } from "../../../../test/support/store/fixtures.ts";
import { deflateOpenObject } from "../../deflated-view.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Every table and index as SQL, whitespace folded: the SQL text is kept as written, indentation included. */
function schemaOf(db: BetterSqlite3.Database): string[] {
  return db
    .prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name")
    .all()
    .map((r) => r.sql.replace(/\s+/g, " ").trim());
}

function freshSchema(): string[] {
  const db = new BetterSqlite3(":memory:");
  migrate(db);
  const schema = schemaOf(db);
  db.close();
  return schema;
}

/** A database file rebuilt from a dump of one the previous layout made (fixtures/README.md), removed after the test. */
function copyOf(name: string, t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "facet-legacy-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "facet.db");
  const db = new BetterSqlite3(path);
  db.exec(readFileSync(fixture(name), "utf8"));
  db.close();
  return path;
}

test("the migrations are numbered in the one numbering, 002 being PostgreSQL's alone", () => {
  assert.deepEqual(MIGRATIONS.map((m) => m.version), [1, 3, 4, 5, 6, 7, 8]);
});

test("a database the previous layout fully migrated (user_version 4) opens running only what came after it", async (t) => {
  const path = copyOf("legacy-v4-7d10593.sql", t);
  const raw = new BetterSqlite3(path);
  assert.equal(raw.pragma("user_version", { simple: true }), 4);
  assert.deepEqual(migrate(raw), [6, 7, 8], "nothing re-run");
  assert.equal(raw.pragma("user_version", { simple: true }), 7);
  assert.deepEqual(schemaOf(raw), freshSchema());
  raw.close();

  const store = openSqliteStore(path, { writerThread: false });
  try {
    assert.equal(await store.getSetting("fixture"), "made by the old layout");
    await store.createEnrollToken({ id: "t1", label: null, username: "alice", createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h1");
    assert.equal((await store.listEnrollTokens())[0]?.username, "alice");
    // 007 and 008's tables take the derived rows of a new snapshot.
    assert.equal((await store.enrollDevice("h1", device("d1"), 1000)).ok, true);
    const policyFacts = { version: 1, text: '{"facts":{},"unknown":{}}' };
    assert.deepEqual(await store.writeSnapshots([{ ...write("d1", 1), view: { version: 1, ...deflateOpenObject("{}") }, policyFacts }]), ["accepted"]);
    assert.equal((await store.latestView("d1"))?.seq, 1);
    assert.deepEqual((await store.latestPolicyFacts(["d1"])).get("d1"), { ...policyFacts, seq: 1, collectedAt: write("d1", 1).snapshot.collectedAt });
  } finally {
    await store.close();
  }
});

test("a database the previous layout left at user_version 2 gets exactly 004, 005 and what came after", (t) => {
  const path = copyOf("legacy-v2-7d10593.sql", t);
  const db = new BetterSqlite3(path);
  try {
    assert.deepEqual(migrate(db), [4, 5, 6, 7, 8]);
    assert.equal(db.pragma("user_version", { simple: true }), 7);
    assert.deepEqual(schemaOf(db), freshSchema());
    assert.equal((db.prepare("SELECT value FROM settings WHERE key = 'fixture'").get() as { value: string }).value, '"made by the old layout"');
  } finally {
    db.close();
  }
});

test("008 drops the views stored as text and keeps every snapshot they were rendered from", (t) => {
  const path = copyOf("legacy-v4-7d10593.sql", t);
  const raw = new BetterSqlite3(path);
  try {
    assert.deepEqual(migrate(raw, MIGRATIONS.filter((m) => m.version <= 7)), [6, 7]);
    raw.exec(`INSERT INTO devices (id, public_key, enrolled_at, last_seq) VALUES ('d0', 'k', 1, 1);
              INSERT INTO snapshots (device_id, seq, collected_at, received_at, body, signature) VALUES ('d0', 1, 1, 1, '{}', 's');
              INSERT INTO snapshot_views (device_id, seq, collected_at, version, view) VALUES ('d0', 1, 1, 1, '{}');`);
    assert.deepEqual(migrate(raw), [8]);
    assert.deepEqual(raw.prepare("SELECT count(*) AS n FROM snapshot_views").get(), { n: 0 });
    assert.deepEqual(raw.prepare("SELECT device_id, seq, body FROM snapshots").all(), [{ device_id: "d0", seq: 1, body: "{}" }]);
  } finally {
    raw.close();
  }
});
