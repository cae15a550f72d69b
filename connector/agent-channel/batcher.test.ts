import { test } from "node:test";
import assert from "node:assert/strict";
import { SnapshotBatcher } from "./batcher.ts";
import type { SnapshotWrite, SnapshotWriteResult } from "../store/types.ts";

function fakeWrite(seq: number): SnapshotWrite {
  return { snapshot: { deviceId: "d", seq, collectedAt: 0, receivedAt: 0, body: "{}", signature: "", facts: {} as never, unknown: {} }, events: [] };
}

test("writes issued in the same tick share one transaction and each gets its own result", async () => {
  const calls: number[][] = [];
  const batcher = new SnapshotBatcher(
    {
      async writeSnapshots(batch) {
        calls.push(batch.map((w) => w.snapshot.seq));
        return batch.map((w): SnapshotWriteResult => (w.snapshot.seq % 2 ? "accepted" : "replayed_seq"));
      },
    },
    100,
  );
  const results = await Promise.all([1, 2, 3].map((s) => batcher.write(fakeWrite(s))));
  assert.deepEqual(calls, [[1, 2, 3]]);
  assert.deepEqual(results, ["accepted", "replayed_seq", "accepted"]);
});

test("splits at the size limit and commits batches in arrival order", async () => {
  const calls: number[][] = [];
  const batcher = new SnapshotBatcher({ async writeSnapshots(batch) { calls.push(batch.map((w) => w.snapshot.seq)); return batch.map(() => "accepted" as const); } }, 2);
  await Promise.all([1, 2, 3, 4, 5].map((s) => batcher.write(fakeWrite(s))));
  assert.deepEqual(calls, [[1, 2], [3, 4], [5]]);
});

test("a failed transaction rejects every write in it and later batches still run", async () => {
  let fail = true;
  const batcher = new SnapshotBatcher({ async writeSnapshots(batch) { if (fail) { fail = false; throw new Error("disk full"); } return batch.map(() => "accepted" as const); } }, 10);
  const first = await Promise.allSettled([batcher.write(fakeWrite(1)), batcher.write(fakeWrite(2))]);
  assert.deepEqual(first.map((r) => r.status), ["rejected", "rejected"]);
  assert.equal(await batcher.write(fakeWrite(3)), "accepted");
});

test("writes arriving while a transaction commits go together into the next one", async () => {
  const calls: number[][] = [];
  let release!: () => void;
  const firstCommit = new Promise<void>((resolve) => (release = resolve));
  const batcher = new SnapshotBatcher(
    {
      async writeSnapshots(batch) {
        calls.push(batch.map((w) => w.snapshot.seq));
        if (calls.length === 1) await firstCommit;
        return batch.map(() => "accepted" as const);
      },
    },
    100,
  );
  const first = batcher.write(fakeWrite(1));
  await new Promise((r) => setImmediate(r));
  // The first transaction is still open: these arrive over several ticks and must not each
  // start a transaction of their own.
  const later: Promise<SnapshotWriteResult>[] = [];
  for (const seq of [2, 3, 4]) {
    later.push(batcher.write(fakeWrite(seq)));
    await new Promise((r) => setImmediate(r));
  }
  release();
  await Promise.all([first, ...later]);
  assert.deepEqual(calls, [[1], [2, 3, 4]]);
});

test("drain waits for queued and running transactions", async () => {
  let committed = 0;
  const batcher = new SnapshotBatcher(
    { async writeSnapshots(batch) { await new Promise((r) => setTimeout(r, 20)); committed += batch.length; return batch.map(() => "accepted" as const); } },
    2,
  );
  void batcher.write(fakeWrite(1));
  void batcher.write(fakeWrite(2));
  void batcher.write(fakeWrite(3));
  await batcher.drain();
  assert.equal(committed, 3);
});
