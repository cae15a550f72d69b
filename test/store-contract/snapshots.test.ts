import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";
import { device, enrollToken, sampleFacts, write } from "../support/store/fixtures.ts";
import type { Store } from "../../connector/store/types.ts";
import { deflateOpenObject, inflateObject } from "../../connector/store/deflated-view.ts";

async function enroll(store: Store, ...ids: string[]): Promise<void> {
  await store.createEnrollToken(enrollToken(`t-${ids[0]}`), `h-${ids[0]}`);
  for (const id of ids) assert.equal((await store.enrollDevice(`h-${ids[0]}`, device(id), 1000)).ok, true);
}

await forEachBackend(
  "store contract: snapshots",
  (ctx) => {
    test("accepts a snapshot with a new seq and serves it as the latest, facts read back intact", async () => {
      await enroll(ctx.store, "d1");
      assert.deepEqual(await ctx.store.writeSnapshots([write("d1", 1)]), ["accepted"]);
      const latest = await ctx.store.latestSnapshot("d1");
      const expected = write("d1", 1).snapshot;
      assert.deepEqual(latest, expected);
      const d = await ctx.store.getDevice("d1");
      assert.equal(d?.lastSeq, 1);
      assert.equal(d?.lastSeenAt, expected.receivedAt);
    });

    test("applies each item of a batch only if its seq is greater than the last accepted", async () => {
      await enroll(ctx.store, "d1", "d2");
      const results = await ctx.store.writeSnapshots([write("d1", 5), write("d2", 1), write("d1", 5), write("d1", 3), write("d1", 6), write("nobody", 1)]);
      assert.deepEqual(results, ["accepted", "accepted", "replayed_seq", "replayed_seq", "accepted", "unknown_device"]);
      assert.equal((await ctx.store.getDevice("d1"))?.lastSeq, 6);
      assert.equal((await ctx.store.latestSnapshot("d1"))?.seq, 6);
      assert.deepEqual((await ctx.store.snapshotHistory("d1", 10)).map((s) => s.seq), [6, 5]);
    });

    test("keeps the view rendered with each device's newest accepted snapshot, one per device", async () => {
      await enroll(ctx.store, "d1", "d2");
      const json = (seq: number) => `{"data":{"seq":${seq}},"unknown":{}}`;
      const withView = (id: string, seq: number) => ({ ...write(id, seq), view: { version: 1, ...deflateOpenObject(json(seq)) } });
      assert.equal(await ctx.store.latestView("d1"), null);
      assert.deepEqual(await ctx.store.writeSnapshots([withView("d1", 1), withView("d2", 1), withView("d1", 3), withView("d1", 2)]), ["accepted", "accepted", "accepted", "replayed_seq"]);
      const collectedAt = (seq: number) => write("d1", seq).snapshot.collectedAt;
      const d1 = await ctx.store.latestView("d1");
      assert.deepEqual({ ...d1, deflated: Buffer.from(d1!.deflated) }, { seq: 3, collectedAt: collectedAt(3), version: 1, ...deflateOpenObject(json(3)), deflated: Buffer.from(deflateOpenObject(json(3)).deflated) });
      assert.equal(inflateObject(d1!), json(3));
      assert.equal((await ctx.store.latestView("d2"))?.seq, 1);
      const many = await ctx.store.latestViews(["d2", "d1", "nobody"]);
      assert.deepEqual([...many.keys()].sort(), ["d1", "d2"]);
      assert.equal(inflateObject(many.get("d1")!), json(3));
      assert.equal(inflateObject(many.get("d2")!), json(1));
      // A snapshot written without one leaves the older view, which its seq tells readers not to use.
      assert.deepEqual(await ctx.store.writeSnapshots([write("d1", 4)]), ["accepted"]);
      assert.equal((await ctx.store.latestView("d1"))?.seq, 3);
      assert.deepEqual(await ctx.store.writeSnapshots([{ ...withView("d1", 5), view: { version: 2, ...deflateOpenObject("{}") } }]), ["accepted"]);
      const d1v2 = (await ctx.store.latestView("d1"))!;
      assert.deepEqual([d1v2.seq, d1v2.version, inflateObject(d1v2)], [5, 2, "{}"]);
    });

    test("stores a deflated view as its bytes, CRC-32 and length, non-ASCII text and a CRC-32 above 2^31 included", async () => {
      await enroll(ctx.store, "d1");
      // The first of these whose CRC-32 does not fit a signed 32-bit column.
      let json = "";
      for (let i = 0; ; i++) {
        json = `{"data":{"name":"Zoë 日本 🚀","n":${i}},"unknown":{}}`;
        if (deflateOpenObject(json).crc32 > 2 ** 31) break;
      }
      const view = deflateOpenObject(json);
      // Copied first: the SQLite store moves the bytes to its writer thread.
      const bytes = Buffer.from(view.deflated);
      assert.deepEqual(await ctx.store.writeSnapshots([{ ...write("d1", 1), view: { version: 1, ...view } }]), ["accepted"]);
      const stored = (await ctx.store.latestView("d1"))!;
      assert.deepEqual([Buffer.from(stored.deflated), stored.crc32, stored.length], [bytes, view.crc32, Buffer.byteLength(json) - 1]);
      assert.equal(inflateObject(stored), json);
    });

    test("keeps the policy facts made with each device's newest accepted snapshot, one per device", async () => {
      await enroll(ctx.store, "d1", "d2");
      const text = (seq: number) => `{"facts":{"os":{"name":"Zoë 日本","seq":${seq}}},"unknown":{}}`;
      const withFacts = (id: string, seq: number, version = 1) => ({ ...write(id, seq), policyFacts: { version, text: text(seq) } });
      const collectedAt = (seq: number) => write("d1", seq).snapshot.collectedAt;
      assert.deepEqual(await ctx.store.latestPolicyFacts(["d1"]), new Map());
      assert.deepEqual(await ctx.store.writeSnapshots([withFacts("d1", 1), withFacts("d2", 1), withFacts("d1", 3), withFacts("d1", 2)]), ["accepted", "accepted", "accepted", "replayed_seq"]);
      const many = await ctx.store.latestPolicyFacts(["d2", "d1", "nobody"]);
      assert.deepEqual([...many.keys()].sort(), ["d1", "d2"]);
      assert.deepEqual(many.get("d1"), { seq: 3, collectedAt: collectedAt(3), version: 1, text: text(3) });
      assert.equal(many.get("d2")?.seq, 1);
      // A snapshot written without them leaves the older row, whose seq tells readers not to use it.
      assert.deepEqual(await ctx.store.writeSnapshots([write("d1", 4)]), ["accepted"]);
      assert.deepEqual((await ctx.store.latestPolicyFacts(["d1"])).get("d1")?.seq, 3);
      assert.equal((await ctx.store.getDevice("d1"))?.lastSeq, 4);
      // The next one that carries them replaces the row, version included.
      assert.deepEqual(await ctx.store.writeSnapshots([withFacts("d1", 5, 2)]), ["accepted"]);
      assert.deepEqual((await ctx.store.latestPolicyFacts(["d1"])).get("d1"), { seq: 5, collectedAt: collectedAt(5), version: 2, text: text(5) });
      // A view alone leaves them as they are, and they alone leave the view: separate rows.
      assert.deepEqual(await ctx.store.writeSnapshots([{ ...write("d1", 6), view: { version: 1, ...deflateOpenObject("{}") } }, { ...withFacts("d2", 7), view: undefined }]), ["accepted", "accepted"]);
      assert.equal((await ctx.store.latestPolicyFacts(["d1"])).get("d1")?.seq, 5);
      assert.equal((await ctx.store.latestView("d1"))?.seq, 6);
      assert.equal((await ctx.store.latestView("d2"))?.seq, undefined);
      assert.equal((await ctx.store.latestPolicyFacts(["d2"])).get("d2")?.seq, 7);
    });

    test("a replayed or refused snapshot leaves the stored policy facts as they were", async () => {
      await enroll(ctx.store, "d1");
      const withFacts = (seq: number, text: string) => ({ ...write("d1", seq), policyFacts: { version: 1, text } });
      await ctx.store.writeSnapshots([withFacts(4, "kept")]);
      assert.deepEqual(await ctx.store.writeSnapshots([withFacts(4, "replayed"), withFacts(2, "older")]), ["replayed_seq", "replayed_seq"]);
      assert.equal((await ctx.store.latestPolicyFacts(["d1"])).get("d1")?.text, "kept");
      await ctx.store.revokeDevice("d1", 2000);
      assert.deepEqual(await ctx.store.writeSnapshots([withFacts(5, "revoked")]), ["revoked_device"]);
      assert.equal((await ctx.store.latestPolicyFacts(["d1"])).get("d1")?.text, "kept");
    });

    test("a replayed seq changes no row, not the latest, not last_seen", async () => {
      await enroll(ctx.store, "d1");
      await ctx.store.writeSnapshots([write("d1", 4)]);
      const before = { counts: await ctx.store.counts(), device: await ctx.store.getDevice("d1"), latest: await ctx.store.latestSnapshot("d1") };
      const replay = write("d1", 4, sampleFacts({ network: { hostname: "evil", firewall_enabled: null, interfaces: [] } }));
      replay.snapshot.receivedAt = 99_999;
      assert.deepEqual(await ctx.store.writeSnapshots([replay, write("d1", 2)]), ["replayed_seq", "replayed_seq"]);
      assert.deepEqual(await ctx.store.counts(), before.counts);
      assert.deepEqual(await ctx.store.getDevice("d1"), before.device);
      assert.deepEqual(await ctx.store.latestSnapshot("d1"), before.latest);
    });

    test("refuses snapshots for a revoked device and for an unknown one, writing nothing", async () => {
      await enroll(ctx.store, "d1");
      assert.equal(await ctx.store.revokeDevice("d1", 2000), true);
      const before = await ctx.store.counts();
      assert.deepEqual(await ctx.store.writeSnapshots([write("d1", 1), write("ghost", 1)]), ["revoked_device", "unknown_device"]);
      assert.deepEqual(await ctx.store.counts(), before);
      assert.equal(await ctx.store.latestSnapshot("d1"), null);
    });

    test("writes the events of an accepted item in its transaction and drops those of a refused one", async () => {
      await enroll(ctx.store, "d1");
      const ok = write("d1", 1, sampleFacts(), [
        { type: "snapshot.accepted", at: 7001, deviceId: "d1", data: { seq: 1 } },
        { type: "device.identity_changed", at: 7001, deviceId: "d1", data: { field: "serial" } },
      ]);
      const refused = write("d1", 1, sampleFacts(), [{ type: "snapshot.accepted", at: 7002, deviceId: "d1", data: { seq: 1, dup: true } }]);
      await ctx.store.writeSnapshots([ok, refused]);
      const events = await ctx.store.listEvents({ deviceId: "d1", typePrefix: "snapshot.", limit: 10 });
      assert.deepEqual(events.map((e) => e.data), [{ seq: 1 }]);
      const all = await ctx.store.listEvents({ deviceId: "d1", limit: 10 });
      assert.deepEqual(all.map((e) => e.type), ["device.enrolled", "snapshot.accepted", "device.identity_changed"], "in the order given");
    });

    test("keeps only the configured number of snapshots per device, newest first", async () => {
      await enroll(ctx.store, "d1", "d2");
      for (let seq = 1; seq <= 5; seq++) await ctx.store.writeSnapshots([write("d1", seq)]);
      await ctx.store.writeSnapshots([write("d1", 6), write("d1", 7), write("d2", 1)]);
      assert.deepEqual((await ctx.store.snapshotHistory("d1", 10)).map((s) => s.seq), [7, 6, 5]);
      assert.deepEqual((await ctx.store.snapshotHistory("d1", 2)).map((s) => s.seq), [7, 6]);
      assert.deepEqual((await ctx.store.snapshotHistory("d2", 10)).map((s) => s.seq), [1], "other devices keep theirs");
      assert.equal((await ctx.store.counts()).snapshots, 4);
    });

    test("returns the latest snapshot of many devices at once, leaving out those without one", async () => {
      await enroll(ctx.store, "d1", "d2", "d3");
      await ctx.store.writeSnapshots([write("d1", 1), write("d2", 1), write("d2", 2)]);
      const m = await ctx.store.latestSnapshots(["d1", "d2", "d3", "ghost"]);
      assert.deepEqual([...m.keys()].sort(), ["d1", "d2"]);
      assert.equal(m.get("d2")?.seq, 2);
      assert.equal((await ctx.store.latestSnapshots([])).size, 0);
    });

    test("stores facts with NUL characters, lone surrogates and deep nesting exactly", async () => {
      await enroll(ctx.store, "d1");
      const nasty = "a\u0000b\ud800c\u2028\u{1F600}";
      const facts = sampleFacts({
        network: { hostname: nasty, firewall_enabled: null, interfaces: [] },
        hardware: { model: nasty, manufacturer: null, serial: `S\u0000N`, cpu_name: null, cpu_count: 0, memory_bytes: 1.5e20 },
        vendor: { "x.example/deep": { a: { b: { c: [[[nasty]]] } } } },
      });
      const w = write("d1", 1, facts, [{ type: "snapshot.accepted", at: 1, deviceId: "d1", data: { note: nasty } }]);
      assert.deepEqual(await ctx.store.writeSnapshots([w]), ["accepted"]);
      const latest = await ctx.store.latestSnapshot("d1");
      assert.equal(latest?.body, w.snapshot.body, "the signed body is kept byte for byte");
      assert.deepEqual(latest?.facts, facts);
      const [ev] = await ctx.store.listEvents({ types: ["snapshot.accepted"], limit: 1 });
      assert.equal(ev?.data.note, nasty);
    });

    test("copies identity facts to the device and keeps the last known value when a fact turns unknown", async () => {
      await enroll(ctx.store, "d1");
      await ctx.store.writeSnapshots([write("d1", 1)]);
      let d = await ctx.store.getDevice("d1");
      assert.equal(d?.serial, "PF3ABCDE");
      assert.equal(d?.manufacturer, "LENOVO");
      assert.equal(d?.hostname, "build-01");
      assert.equal(d?.hardwareUuid, "4c4c4544-0042-3510-8052-b4c04f4e4e32");
      await ctx.store.writeSnapshots([write("d1", 2, sampleFacts({ hardware: null, network: { hostname: "build-02", firewall_enabled: null, interfaces: [] } }))]);
      d = await ctx.store.getDevice("d1");
      assert.equal(d?.serial, "PF3ABCDE", "an unknown serial does not erase the known one");
      assert.equal(d?.hostname, "build-02");
    });

    test("concurrent writers of the same seq: exactly one is accepted", async () => {
      await enroll(ctx.store, "d1");
      const other = await ctx.reopen();
      const stores = [ctx.store, other];
      // Ten rounds of two handles racing the same seq, as two replicas would after a reconnect.
      for (let seq = 1; seq <= 10; seq++) {
        const results = await Promise.all(stores.map((s) => s.writeSnapshots([write("d1", seq)])));
        assert.deepEqual(results.flat().sort(), ["accepted", "replayed_seq"], `round ${seq}`);
      }
      assert.equal((await ctx.store.getDevice("d1"))?.lastSeq, 10);
      assert.equal((await ctx.store.listEvents({ types: ["snapshot.accepted"], limit: 100 })).length, 10);
    });

    test("overlapping batches from two writers in opposite device order both complete", async () => {
      const ids = Array.from({ length: 12 }, (_, i) => `d${String(i).padStart(2, "0")}`);
      await enroll(ctx.store, ...ids);
      const other = await ctx.reopen();
      const forward = ids.map((id) => write(id, 1));
      const backward = [...ids].reverse().map((id) => write(id, 1));
      const [a, b] = await Promise.all([ctx.store.writeSnapshots(forward), other.writeSnapshots(backward)]);
      const accepted = [...a!, ...b!].filter((r) => r === "accepted").length;
      assert.equal(accepted, ids.length, "each device accepted seq 1 exactly once");
    });
  },
  { historyLimit: 3 },
);
