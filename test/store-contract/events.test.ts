import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";

await forEachBackend("store contract: events, settings, counts", (ctx) => {
  test("lists events by type, prefix, device, time and cursor, oldest first", async () => {
    const rec = (type: string, at: number, deviceId: string | null) => ctx.store.recordEvent({ type, at, deviceId, data: { type, at } });
    await rec("device.enrolled", 100, "d1");
    await rec("snapshot.rejected", 200, "d1");
    await rec("device.revoked", 300, "d2");
    await rec("token.created", 400, null);
    await rec("device_x", 500, null);
    const types = async (q: Parameters<typeof ctx.store.listEvents>[0]) => (await ctx.store.listEvents(q)).map((e) => e.type);
    assert.deepEqual(await types({ limit: 10 }), ["device.enrolled", "snapshot.rejected", "device.revoked", "token.created", "device_x"]);
    assert.deepEqual(await types({ types: ["device.revoked", "token.created"], limit: 10 }), ["device.revoked", "token.created"]);
    assert.deepEqual(await types({ typePrefix: "device.", limit: 10 }), ["device.enrolled", "device.revoked"], "the prefix is literal, `.` and `_` included");
    assert.deepEqual(await types({ typePrefix: "device_", limit: 10 }), ["device_x"]);
    assert.deepEqual(await types({ deviceId: "d1", limit: 10 }), ["device.enrolled", "snapshot.rejected"]);
    assert.deepEqual(await types({ since: 300, limit: 10 }), ["device.revoked", "token.created", "device_x"]);
    const all = await ctx.store.listEvents({ limit: 10 });
    assert.ok(all.every((e, i) => i === 0 || e.id > all[i - 1]!.id), "ids increase");
    assert.deepEqual(await types({ afterId: all[2]!.id, limit: 1 }), ["token.created"]);
    assert.deepEqual(await types({ newestFirst: true, limit: 2 }), ["device_x", "token.created"], "newest first");
    assert.deepEqual(await types({ newestFirst: true, beforeId: all[3]!.id, limit: 2 }), ["device.revoked", "snapshot.rejected"], "the next page, older");
    assert.deepEqual(await types({ newestFirst: true, typePrefix: "device.", limit: 10 }), ["device.revoked", "device.enrolled"]);
    assert.deepEqual(all[3], { id: all[3]!.id, type: "token.created", at: 400, deviceId: null, data: { type: "token.created", at: 400 } });
  });

  test("prunes events past their age, with per-type ages, oldest first, and reports how many", async () => {
    const rec = (type: string, at: number) => ctx.store.recordEvent({ type, at, deviceId: null, data: { at } });
    for (const at of [100, 200, 300, 400]) await rec("snapshot.accepted", at);
    for (const at of [100, 200, 300, 400]) await rec("device.revoked", at);
    const remaining = async () => (await ctx.store.listEvents({ limit: 100 })).map((e) => `${e.type}@${e.at}`);
    assert.equal(await ctx.store.pruneEvents({}), 0, "no bound, nothing deleted");
    // snapshot.accepted keeps its own, shorter age; everything else the general one.
    assert.equal(await ctx.store.pruneEvents({ before: 200, beforeByType: { "snapshot.accepted": 400 } }), 4);
    assert.deepEqual(await remaining(), ["snapshot.accepted@400", "device.revoked@200", "device.revoked@300", "device.revoked@400"]);
    assert.equal(await ctx.store.pruneEvents({ before: 200, beforeByType: { "snapshot.accepted": 400 } }), 0, "idempotent");
  });

  test("keeps at most maxRows events, the newest, deleting in batches", async () => {
    for (let at = 0; at < 450; at++) await ctx.store.recordEvent({ type: "snapshot.accepted", at, deviceId: null, data: {} });
    const ids = (await ctx.store.listEvents({ limit: 1000 })).map((e) => e.id);
    assert.equal(await ctx.store.pruneEvents({ maxRows: 120, batchSize: 100 }), 330, "four batches: 100, 100, 100, 30");
    assert.deepEqual((await ctx.store.listEvents({ limit: 1000 })).map((e) => e.id), ids.slice(-120));
    assert.equal(await ctx.store.pruneEvents({ maxRows: 120, batchSize: 100 }), 0);
    assert.equal(await ctx.store.pruneEvents({ before: 400, batchSize: 7 }), 70, "an age bound past a batch boundary");
    assert.equal((await ctx.store.counts()).events, 50);
  });

  test("maxRows counts audit events apart: a flood of rejections never prunes an enrollment, revocation or token change", async () => {
    const audit = ["device.enrolled", "token.created", "token.revoked", "device.revoked", "signin.decision"];
    for (const [at, type] of audit.entries()) await ctx.store.recordEvent({ type, at, deviceId: null, data: {} });
    for (let at = 10; at < 310; at++) await ctx.store.recordEvent({ type: at % 2 ? "enroll.rejected" : "events.suppressed", at, deviceId: null, data: {} });
    const retention = { maxRows: 50, batchSize: 40, auditTypes: audit };
    assert.equal(await ctx.store.pruneEvents(retention), 250);
    const left = await ctx.store.listEvents({ limit: 1000 });
    assert.deepEqual(left.filter((e) => audit.includes(e.type)).map((e) => e.type), audit, "every audit event is kept");
    assert.deepEqual(left.filter((e) => !audit.includes(e.type)).map((e) => e.at), Array.from({ length: 50 }, (_, i) => 260 + i), "the newest noise");
    // Audit events have their own cap: the same bound, never filled by noise.
    for (let at = 400; at < 460; at++) await ctx.store.recordEvent({ type: "token.created", at, deviceId: null, data: {} });
    await ctx.store.pruneEvents(retention);
    const audited = (await ctx.store.listEvents({ types: audit, limit: 1000 })).map((e) => e.at);
    assert.equal(audited.length, 50);
    assert.equal(audited[0], 410, "the oldest audit events go first, only past their own cap");
  });

  test("settings round-trip JSON documents and are replaced whole", async () => {
    assert.equal(await ctx.store.getSetting("catalog"), null);
    await ctx.store.putSetting("catalog", { macos: ["15.1", "14.7"], n: 2 });
    assert.deepEqual(await ctx.store.getSetting("catalog"), { macos: ["15.1", "14.7"], n: 2 });
    await ctx.store.putSetting("catalog", ["x"]);
    assert.deepEqual(await ctx.store.getSetting("catalog"), ["x"]);
    await ctx.store.putSetting("flag", false);
    assert.equal(await ctx.store.getSetting("flag"), false);
  });

  test("counts rows per table, starting from empty", async () => {
    const empty = await ctx.store.counts();
    for (const table of ["api_tokens", "enroll_tokens", "devices", "snapshots", "events", "settings"]) {
      assert.equal(empty[table], 0, table);
    }
    await ctx.store.recordEvent({ type: "x", at: 1, deviceId: null, data: {} });
    await ctx.store.putSetting("k", 1);
    const after = await ctx.store.counts();
    assert.equal(after.events, 1);
    assert.equal(after.settings, 1);
  });

  test("data written through one handle is read through another", async () => {
    await ctx.store.putSetting("shared", { v: 1 });
    const other = await ctx.reopen();
    assert.deepEqual(await other.getSetting("shared"), { v: 1 });
    assert.deepEqual(await other.counts(), await ctx.store.counts());
  });
});
