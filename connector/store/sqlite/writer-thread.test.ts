import { test, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { openSqliteStore } from "./index.ts";
import { MIGRATIONS, migrate } from "./migrations/index.ts";
import { toRowWrite, type SnapshotRowWrite } from "./snapshot-writes.ts";
import { SnapshotWriterThread } from "./writer-thread.ts";
import type { SnapshotWrite, Store, StoreCopy } from "../types.ts";
import { deflateOpenObject, inflateObject } from "../deflated-view.ts";
import { lazySnapshot } from "../lazy-snapshot.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../../../test/support/facts.ts";

let dir: string;
let path: string;

function write(deviceId: string, seq: number): SnapshotWrite {
  const facts = sampleFacts();
  return {
    snapshot: { deviceId, seq, collectedAt: 5000 + seq, receivedAt: 6000 + seq, body: JSON.stringify({ deviceId, seq }), signature: "sig", facts, unknown: SAMPLE_UNKNOWN },
    events: [{ type: "snapshot.accepted", at: 6000 + seq, deviceId, data: { seq } }],
  };
}

async function enroll(store: Store, ids: string[]): Promise<void> {
  await store.createEnrollToken({ id: "t", label: null, createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h");
  for (const id of ids) {
    const out = await store.enrollDevice("h", {
      id, name: null, publicKey: Buffer.from(id.padEnd(32, "#")).toString("base64"), platform: "linux", serial: null, manufacturer: null,
      model: null, machineId: null, username: null, enrolledAt: 1000, revokedAt: null, lastSeq: 0, lastSeenAt: null,
    }, 1000);
    assert.equal(out.ok, true);
  }
}

/** What another process opening the file would see. */
function snapshotCount(): number {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM snapshots").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "facet-writer-"));
  path = join(dir, "facet.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("a batch resolves with per-item results once it is committed and visible to other connections", async () => {
  const store = openSqliteStore(path);
  try {
    await enroll(store, ["a", "b"]);
    const results = await store.writeSnapshots([write("a", 1), write("b", 1), write("a", 1), write("zz", 1)]);
    assert.deepEqual(results, ["accepted", "accepted", "replayed_seq", "unknown_device"]);
    assert.equal(snapshotCount(), 2);
    assert.equal((await store.getDevice("a"))?.lastSeq, 1, "the main thread's connection reads the writer's commit");
  } finally {
    await store.close();
  }
});

test("close commits every batch already queued before it resolves", async () => {
  const store = openSqliteStore(path);
  await enroll(store, ["a"]);
  const writes = Array.from({ length: 20 }, (_, i) => store.writeSnapshots([write("a", i + 1)]));
  await store.close();
  assert.deepEqual(await Promise.all(writes), Array.from({ length: 20 }, () => ["accepted"]));
  assert.equal(snapshotCount(), 20);
  await assert.rejects(store.writeSnapshots([write("a", 21)]), /closed/);
});

test("a failed transaction rejects only its own batch and writes none of it; the thread keeps serving", async () => {
  const store = openSqliteStore(path);
  await enroll(store, ["a"]);
  const thread = new SnapshotWriterThread({ path, historyLimit: 20 });
  try {
    const good = toRowWrite(write("a", 1));
    const broken: SnapshotRowWrite = { ...toRowWrite(write("a", 2)), body: null as unknown as string };
    await assert.rejects(thread.write([good, broken]), (e: Error & { code?: string }) => e.code === "SQLITE_CONSTRAINT_NOTNULL");
    assert.equal(snapshotCount(), 0, "the whole batch rolled back");
    assert.deepEqual(await thread.write([good]), ["accepted"]);
  } finally {
    await thread.close();
    await store.close();
  }
});

test("a writer thread that dies fails its pending writes, and the next write starts a new one", async () => {
  // No schema yet: the thread throws while preparing its statements.
  new BetterSqlite3(path).close();
  const thread = new SnapshotWriterThread({ path, historyLimit: 20 });
  try {
    await assert.rejects(thread.write([toRowWrite(write("a", 1))]), /snapshot write failed: .*no such table/);
    const db = new BetterSqlite3(path);
    migrate(db, MIGRATIONS);
    db.close();
    assert.deepEqual(await thread.write([toRowWrite(write("a", 1))]), ["unknown_device"]);
  } finally {
    await thread.close();
  }
});

test("an idle writer thread does not keep the process alive", () => {
  const script = `
    import { openSqliteStore } from ${JSON.stringify(new URL("./index.ts", import.meta.url).href)};
    const store = openSqliteStore(${JSON.stringify(path)});
    console.log(JSON.stringify(await store.writeSnapshots([{ snapshot: { deviceId: "none", seq: 1, collectedAt: 1, receivedAt: 1, body: "{}", signature: "s", facts: {}, unknown: {} }, events: [] }])));
  `;
  const file = join(dir, "no-close.mts");
  writeFileSync(file, script);
  const child = spawnSync(process.execPath, ["--import", "tsx", file], { encoding: "utf8", timeout: 20_000, cwd: fileURLToPath(new URL("../../..", import.meta.url)) });
  assert.equal(child.signal, null, "exited on its own, not killed by the timeout");
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), '["unknown_device"]');
});

test("compliance writes commit on the writer thread, in order with snapshot batches, and the store reads them back", async () => {
  const store = openSqliteStore(path);
  try {
    await enroll(store, ["a"]);
    await store.createPolicy({ id: "p", version: 1, name: "p", platform: "LINUX", body: {}, createdAt: 1, updatedAt: 1 }, { type: "policy.created", at: 1, deviceId: null, data: {} });
    const compliance = (result: string, at: number) => ({
      record: { deviceId: "a", policyId: "p", policyVersion: 1, result, passing: result === "PASS", evaluatedAt: at, detail: { result } },
      checks: [{ policyId: "p", check: "firewall", firstFailedAt: result === "PASS" ? null : at, lastPassedAt: result === "PASS" ? at : null }],
      changedEvent: { type: "device.compliance.changed", at, deviceId: "a", data: { result } },
    });
    const [snapshots, first, second] = await Promise.all([
      store.writeSnapshots([write("a", 1)]),
      store.recordCompliance([compliance("FAIL", 10)]),
      store.recordCompliance([compliance("PASS", 20)]),
    ]);
    assert.deepEqual(snapshots, ["accepted"]);
    assert.deepEqual([first, second], [[true], [true]], "each commit saw the one before it");
    const [record] = await store.getCompliance("a");
    assert.deepEqual([record?.result, record?.passing, record?.detail], ["PASS", true, { result: "PASS" }]);
    assert.deepEqual(await store.getCheckStates("a", ["p"]), [{ policyId: "p", check: "firewall", firstFailedAt: null, lastPassedAt: 20 }]);
  } finally {
    await store.close();
  }
});

test("event batches commit on the writer thread, and close writes every batch already queued", async () => {
  const store = openSqliteStore(path);
  const batches = Array.from({ length: 10 }, (_, b) =>
    store.recordEvents(Array.from({ length: 50 }, (_, i) => ({ type: "signin.decision", at: 1000 + b * 50 + i, deviceId: null, data: { n: b * 50 + i } }))),
  );
  await store.close();
  await Promise.all(batches);
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT at, data FROM events WHERE type = 'signin.decision' ORDER BY id").all() as { at: number; data: string }[];
    assert.deepEqual(rows.map((r) => r.at), Array.from({ length: 500 }, (_, i) => 1000 + i), "all 500, in the order recorded");
    assert.deepEqual(JSON.parse(rows[499]!.data), { n: 499 });
  } finally {
    db.close();
  }
});

test("a snapshot's store copies are moved to the writer thread, and a write whose copies are gone stores the snapshot's own bytes", async () => {
  const store = openSqliteStore(path);
  try {
    await enroll(store, ["a"]);
    const body = JSON.stringify({ deviceId: "a", seq: 1, facts: {} });
    const view = { version: 1, ...deflateOpenObject('{"data":{"os":"linux"}}') };
    const withCopy = (seq: number, copy: StoreCopy): SnapshotWrite => ({
      ...write("a", seq),
      snapshot: lazySnapshot({ deviceId: "a", seq, collectedAt: 5000 + seq, receivedAt: 6000 + seq, bodyUtf8: new TextEncoder().encode(body), signature: "sig" }),
      view,
      storeCopy: copy,
    });
    const copy = { body: new TextEncoder().encode(body), view: new Uint8Array(view.deflated) };
    const first = withCopy(1, copy);
    assert.deepEqual(await store.writeSnapshots([first]), ["accepted"]);
    assert.equal(copy.body.byteLength, 0, "the body's copy went to the writer thread, not a clone of it");
    assert.equal(copy.view.byteLength, 0, "so did the view's");
    assert.equal((await store.latestSnapshot("a"))?.body, body);

    // The same (now empty) copies given again, as a write retried by mistake would.
    assert.deepEqual(await store.writeSnapshots([withCopy(2, copy)]), ["accepted"]);
    assert.equal((await store.latestSnapshot("a"))?.body, body, "not an empty body");
    assert.equal(inflateObject((await store.latestView("a"))!), '{"data":{"os":"linux"}}');
  } finally {
    await store.close();
  }
});
