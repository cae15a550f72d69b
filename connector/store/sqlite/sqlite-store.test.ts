import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { openSqliteStore } from "./index.ts";
import { MIGRATIONS, migrate } from "./migrations/index.ts";
import type { Device, SnapshotWrite, Store } from "../types.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../../../test/support/facts.ts";

let dir: string;
let store: Store;

function device(id: string, extra: Partial<Device> = {}): Device {
  return {
    id, name: null, publicKey: Buffer.from(id.padEnd(32, "#").slice(0, 32)).toString("base64"), platform: "linux", serial: null, manufacturer: null, model: null,
    machineId: null, username: null, enrolledAt: 1000, revokedAt: null, lastSeq: 0, lastSeenAt: null, ...extra,
  };
}

function write(deviceId: string, seq: number, facts = sampleFacts()): SnapshotWrite {
  const body = JSON.stringify({ deviceId, seq, facts, unknown: SAMPLE_UNKNOWN });
  return {
    snapshot: { deviceId, seq, collectedAt: 5000 + seq, receivedAt: 6000 + seq, body, signature: "sig", facts, unknown: SAMPLE_UNKNOWN },
    events: [{ type: "snapshot.accepted", at: 6000 + seq, deviceId, data: { seq } }],
  };
}

async function enrolled(id: string): Promise<void> {
  await store.createEnrollToken({ id: `t-${id}`, label: null, createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, `h-${id}`);
  const out = await store.enrollDevice(`h-${id}`, device(id), 1000);
  assert.equal(out.ok, true);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "facet-store-"));
  store = openSqliteStore(join(dir, "facet.db"), { historyLimit: 3 });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("sqlite store", () => {
  test("creates the database file with mode 0600 and WAL journaling", () => {
    assert.equal(statSync(join(dir, "facet.db")).mode & 0o777, 0o600);
    const db = new BetterSqlite3(join(dir, "facet.db"), { readonly: true });
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    assert.equal(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
    db.close();
  });

  test("enrolls against a token with uses left and refuses expired, used-up and revoked tokens", async () => {
    await store.createEnrollToken({ id: "t1", label: "x", createdAt: 1, expiresAt: 2000, maxUses: 1, uses: 0, revokedAt: null }, "h1");
    assert.deepEqual(await store.enrollDevice("nope", device("d0"), 1000), { ok: false, reason: "unknown_token" });
    assert.deepEqual(await store.enrollDevice("h1", device("d0"), 2000), { ok: false, reason: "expired_token" });
    assert.equal((await store.enrollDevice("h1", device("d1"), 1000)).ok, true);
    assert.deepEqual(await store.enrollDevice("h1", device("d2"), 1000), { ok: false, reason: "used_up_token" });
    await store.createEnrollToken({ id: "t2", label: null, createdAt: 1, expiresAt: null, maxUses: null, uses: 0, revokedAt: null }, "h2");
    await store.revokeEnrollToken("t2", 5);
    assert.deepEqual(await store.enrollDevice("h2", device("d3"), 1000), { ok: false, reason: "revoked_token" });
    const counts = await store.counts();
    assert.equal(counts.devices, 1);
    assert.equal(counts.events, 1);
    assert.equal((await store.listEnrollTokens()).find((t) => t.id === "t1")?.uses, 1);
  });

  test("a batch applies each item only if its seq is greater than the last accepted", async () => {
    await enrolled("d1");
    const results = await store.writeSnapshots([write("d1", 2), write("d1", 2), write("d1", 1), write("d1", 3), write("zz", 1)]);
    assert.deepEqual(results, ["accepted", "replayed_seq", "replayed_seq", "accepted", "unknown_device"]);
    const latest = await store.latestSnapshot("d1");
    assert.equal(latest?.seq, 3);
    assert.equal(latest?.facts.hardware?.serial, "PF3ABCDE");
    assert.deepEqual(latest?.unknown, SAMPLE_UNKNOWN);
    const dev = await store.getDevice("d1");
    assert.equal(dev?.lastSeq, 3);
    assert.equal(dev?.serial, "PF3ABCDE");
    assert.equal(dev?.hostname, "build-01");
    assert.equal(dev?.lastSeenAt, 6003);
  });

  test("keeps only the configured number of snapshots per device, newest first", async () => {
    await enrolled("d1");
    for (let seq = 1; seq <= 6; seq++) await store.writeSnapshots([write("d1", seq)]);
    const history = await store.snapshotHistory("d1", 10);
    assert.deepEqual(history.map((s) => s.seq), [6, 5, 4]);
    assert.equal((await store.counts()).snapshots, 3);
  });

  test("refuses snapshots for a revoked device", async () => {
    await enrolled("d1");
    assert.equal(await store.revokeDevice("d1", 7000), true);
    assert.deepEqual(await store.writeSnapshots([write("d1", 1)]), ["revoked_device"]);
    assert.equal((await store.counts()).snapshots, 0);
  });

  test("filters devices by serial, hostname, user and platform with cursor pagination", async () => {
    for (const id of ["a", "b", "c"]) await enrolled(id);
    await store.writeSnapshots([
      write("b", 1, sampleFacts({ hardware: { ...sampleFacts().hardware!, serial: "SER-B" }, users: [{ id: "1", username: "Bob", name: null, home: null }] })),
    ]);
    assert.deepEqual((await store.listDevices({ serial: "SER-B", limit: 10 })).map((d) => d.id), ["b"]);
    assert.deepEqual((await store.listDevices({ claimedUsername: "bob", limit: 10 })).map((d) => d.id), ["b"]);
    assert.deepEqual((await store.listDevices({ hostname: "BUILD-01", limit: 10 })).map((d) => d.id), ["b"]);
    assert.deepEqual((await store.listDevices({ platform: "linux", limit: 2 })).map((d) => d.id), ["a", "b"]);
    assert.deepEqual((await store.listDevices({ platform: "linux", limit: 2, after: "b" })).map((d) => d.id), ["c"]);
    assert.deepEqual((await store.findDevicesClaiming("BOB")).map((d) => d.id), ["b"]);
  });

  test("finds a live API token by hash and forgets it once revoked", async () => {
    await store.createApiToken({ id: "k1", name: "admin", scopes: ["admin"], createdAt: 1, revokedAt: null }, "abc");
    assert.deepEqual((await store.findApiTokenByHash("abc"))?.scopes, ["admin"]);
    assert.equal(await store.findApiTokenByHash("abd"), null);
    await store.revokeApiToken("k1", 2);
    assert.equal(await store.findApiTokenByHash("abc"), null);
  });

  test("lists events by type, prefix, device and time", async () => {
    await store.recordEvent({ type: "snapshot.rejected", at: 10, deviceId: "d1", data: { code: "bad_signature" } });
    await store.recordEvent({ type: "device_x", at: 20, deviceId: null, data: {} });
    await store.recordEvent({ type: "device.revoked", at: 30, deviceId: "d1", data: {} });
    assert.deepEqual((await store.listEvents({ typePrefix: "device.", limit: 10 })).map((e) => e.type), ["device.revoked"]);
    assert.deepEqual((await store.listEvents({ since: 20, limit: 10 })).map((e) => e.at), [20, 30]);
    const [first] = await store.listEvents({ types: ["snapshot.rejected"], deviceId: "d1", limit: 10 });
    assert.deepEqual(first?.data, { code: "bad_signature" });
  });

  test("settings round-trip JSON documents", async () => {
    assert.equal(await store.getSetting("x"), null);
    await store.putSetting("x", { a: [1, 2] });
    await store.putSetting("x", { a: [3] });
    assert.deepEqual(await store.getSetting("x"), { a: [3] });
  });

  test("refuses to open a database from a newer connector", () => {
    const db = new BetterSqlite3(":memory:");
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    assert.throws(() => migrate(db), /newer than this connector knows/);
    db.close();
  });
});
