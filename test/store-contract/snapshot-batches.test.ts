/**
 * A batch must end exactly as if its items had been written one by one, in order: the PostgreSQL
 * store applies a whole batch in one statement, so this is checked against random batches (one
 * device's snapshots repeated, out of order, interleaved with others, with identity facts turning
 * unknown and users changing), on both backends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { forEachBackend } from "../support/store/suite.ts";
import { device, enrollToken, sampleFacts, write } from "../support/store/fixtures.ts";
import type { Store } from "../../connector/store/types.ts";
import type { Facts } from "../../shared/facts/schema.ts";

const VARIANTS: Facts[] = [
  sampleFacts(),
  sampleFacts({ hardware: null, network: { hostname: "renamed", firewall_enabled: null, interfaces: [] } }),
  sampleFacts({ users: [{ id: "1001", username: "bob", name: null, home: null }, { id: "1002", username: "Carol", name: null, home: null }] }),
  sampleFacts({ users: null, hardware: { ...sampleFacts().hardware!, serial: "SECOND-SERIAL" } }),
];
const USERNAMES = ["alice", "bob", "carol"];

interface Item {
  device: number;
  seq: number;
  variant: number;
}

const item = fc.record({ device: fc.integer({ min: 0, max: 2 }), seq: fc.integer({ min: 1, max: 8 }), variant: fc.integer({ min: 0, max: VARIANTS.length - 1 }) });

async function observe(store: Store, id: string) {
  const d = await store.getDevice(id);
  const users: string[] = [];
  for (const u of USERNAMES) if ((await store.findDevicesClaiming(u)).some((x) => x.id === id)) users.push(u);
  return {
    device: d && { ...d, id: undefined, publicKey: undefined },
    history: (await store.snapshotHistory(id, 100)).map((s) => [s.seq, s.body.replace(id, "ID")]),
    events: (await store.listEvents({ deviceId: id, limit: 100 })).map((e) => [e.type, e.data]),
    users,
  };
}

await forEachBackend(
  "store contract: batches",
  (ctx) => {
    test("a batch ends exactly as its items written one by one, in order", async () => {
      await ctx.store.createEnrollToken(enrollToken("t"), "h");
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 14 }), fc.integer({ min: 0, max: 2 }), async (items: Item[], revoked: number) => {
          run += 1;
          const ids = (side: string) => [0, 1, 2].map((i) => `${side}${run}-${i}`);
          const [batched, single] = [ids("b"), ids("s")];
          for (const id of [...batched, ...single]) assert.equal((await ctx.store.enrollDevice("h", device(id), 1000)).ok, true);
          // One device per side starts with history and one is revoked, so every outcome occurs.
          for (const side of [batched, single]) {
            await ctx.store.writeSnapshots([write(side[0]!, 2), write(side[0]!, 3)]);
            await ctx.store.revokeDevice(side[revoked === 0 ? 1 : revoked]!, 1500);
          }
          const writes = (side: string[]) => [...items.map((it) => write(side[it.device]!, it.seq, VARIANTS[it.variant]!)), write(`ghost${run}`, 1)];
          const together = await ctx.store.writeSnapshots(writes(batched));
          const oneByOne: string[] = [];
          for (const w of writes(single)) oneByOne.push(...(await ctx.store.writeSnapshots([w])));
          assert.deepEqual(together, oneByOne, "results per item");
          for (let i = 0; i < 3; i++) {
            const [a, b] = [await observe(ctx.store, batched[i]!), await observe(ctx.store, single[i]!)];
            assert.deepEqual(
              JSON.parse(JSON.stringify(a).replaceAll(batched[i]!, "ID")),
              JSON.parse(JSON.stringify(b).replaceAll(single[i]!, "ID")),
              `device ${i}`,
            );
          }
        }),
        { numRuns: 25, seed: 7 },
      );
    });

    test("a batch holding more snapshots of one device than the history keeps stores the newest and every event", async () => {
      await ctx.store.createEnrollToken(enrollToken("t"), "h");
      assert.equal((await ctx.store.enrollDevice("h", device("d1"), 1000)).ok, true);
      await ctx.store.writeSnapshots([write("d1", 1)]);
      const results = await ctx.store.writeSnapshots([2, 3, 4, 5, 6].map((seq) => write("d1", seq)));
      assert.deepEqual(results, ["accepted", "accepted", "accepted", "accepted", "accepted"]);
      assert.deepEqual((await ctx.store.snapshotHistory("d1", 10)).map((s) => s.seq), [6, 5, 4]);
      assert.deepEqual((await ctx.store.listEvents({ types: ["snapshot.accepted"], limit: 10 })).map((e) => e.data.seq), [1, 2, 3, 4, 5, 6]);
      assert.equal((await ctx.store.latestSnapshot("d1"))?.seq, 6);
    });

    test("events of a batch are recorded in batch order across devices", async () => {
      await ctx.store.createEnrollToken(enrollToken("t"), "h");
      for (const id of ["zz", "aa", "mm"]) assert.equal((await ctx.store.enrollDevice("h", device(id), 1000)).ok, true);
      await ctx.store.writeSnapshots([write("zz", 1), write("aa", 1), write("mm", 1), write("aa", 2)]);
      const events = await ctx.store.listEvents({ types: ["snapshot.accepted"], limit: 10 });
      assert.deepEqual(events.map((e) => [e.deviceId, e.data.seq]), [["zz", 1], ["aa", 1], ["mm", 1], ["aa", 2]]);
    });
  },
  { historyLimit: 3 },
);
