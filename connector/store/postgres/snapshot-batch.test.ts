import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openPostgresStore, type PostgresStore } from "./store.ts";
import { applySnapshotBatch } from "./snapshot-batch.ts";
import { createTestSchema, postgresSkipReason, type TestSchema } from "../../../test/support/postgres-schema.ts";
import { device, enrollToken, write } from "../../../test/support/store/fixtures.ts";

const skip = await postgresSkipReason();

describe("postgres snapshot batches split by size", { skip }, () => {
  let schema: TestSchema;
  let store: PostgresStore;
  before(async () => {
    schema = await createTestSchema();
    store = await openPostgresStore(schema.url, { historyLimit: 3 });
    await store.createEnrollToken(enrollToken("t"), "h");
    for (const id of ["d1", "d2"]) assert.equal((await store.enrollDevice("h", device(id), 1000)).ok, true);
  });
  after(async () => {
    await store?.close();
    await schema?.drop();
  });

  test("a batch applied one item per statement gives the same results as item by item, in one transaction", async () => {
    const batch = [write("d1", 2), write("d2", 1), write("d1", 1), write("d1", 3), write("d1", 3), write("ghost", 1), write("d1", 5), write("d1", 6), write("d1", 7)];
    // A 1-byte limit forces one statement per item; the seq gate must still see earlier slices.
    const results = await store.transaction((c) => applySnapshotBatch(c, batch, 3, 1));
    assert.deepEqual(results, ["accepted", "accepted", "replayed_seq", "accepted", "replayed_seq", "unknown_device", "accepted", "accepted", "accepted"]);
    assert.deepEqual((await store.snapshotHistory("d1", 10)).map((s) => s.seq), [7, 6, 5]);
    assert.equal((await store.getDevice("d1"))?.lastSeq, 7);
  });

  test("a failing slice rolls back the slices before it", async () => {
    const before = await store.counts();
    const poisoned = write("d2", 9);
    poisoned.snapshot.body = "x\u0000"; // PostgreSQL text refuses NUL: the second statement fails
    await assert.rejects(store.transaction((c) => applySnapshotBatch(c, [write("d2", 8), poisoned], 3, 1)));
    assert.deepEqual(await store.counts(), before);
    assert.equal((await store.getDevice("d2"))?.lastSeq, 1);
  });
});
