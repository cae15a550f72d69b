/**
 * The usernames a device is found by (device_users) follow its latest accepted snapshot, spelling
 * included: a user renamed from "alice" to "Alice" reads as "Alice" on both backends. Matching stays
 * case-insensitive; within one snapshot the first spelling of a name wins.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { forEachBackend, type ContractContext } from "../support/store/suite.ts";
import { device, enrollToken, sampleFacts, write } from "../support/store/fixtures.ts";
import type { PostgresStore } from "../../connector/store/postgres/store.ts";

/** device_users as stored: the interface only matches names, it never returns them. */
async function storedUsernames(ctx: ContractContext, deviceId: string): Promise<string[]> {
  const sql = "SELECT username FROM device_users WHERE device_id = $id ORDER BY username";
  if (ctx.backend === "postgres") {
    const { rows } = await (ctx.store as PostgresStore).pool.query<{ username: string }>(sql.replace("$id", "$1"), [deviceId]);
    return rows.map((r) => r.username);
  }
  const db = new Database((ctx.store as unknown as { path: string }).path, { readonly: true });
  try {
    return db.prepare<{ id: string }, { username: string }>(sql).all({ id: deviceId }).map((r) => r.username);
  } finally {
    db.close();
  }
}

const users = (...names: string[]) => names.map((username, i) => ({ id: String(1000 + i), username, name: null, home: null }));

await forEachBackend("store contract: device usernames", (ctx) => {
  test("a name that changes only in case takes the newest snapshot's spelling", async () => {
    await ctx.store.createEnrollToken(enrollToken("t"), "h");
    assert.equal((await ctx.store.enrollDevice("h", device("d1"), 1000)).ok, true);
    await ctx.store.writeSnapshots([write("d1", 1, sampleFacts({ users: users("alice", "bob") }))]);
    assert.deepEqual(await storedUsernames(ctx, "d1"), ["alice", "bob"]);
    await ctx.store.writeSnapshots([write("d1", 2, sampleFacts({ users: users("Alice", "bob") }))]);
    assert.deepEqual(await storedUsernames(ctx, "d1"), ["Alice", "bob"]);
    assert.deepEqual((await ctx.store.findDevicesClaiming("ALICE")).map((d) => d.id), ["d1"], "matching stays case-insensitive");
    // In one batch, the later snapshot's spelling is the one kept.
    await ctx.store.writeSnapshots([write("d1", 3, sampleFacts({ users: users("ALICE") })), write("d1", 4, sampleFacts({ users: users("aLiCe") }))]);
    assert.deepEqual(await storedUsernames(ctx, "d1"), ["aLiCe"]);
  });

  test("two spellings in one snapshot keep the first, without failing the write", async () => {
    await ctx.store.createEnrollToken(enrollToken("t"), "h");
    assert.equal((await ctx.store.enrollDevice("h", device("d1"), 1000)).ok, true);
    await ctx.store.writeSnapshots([write("d1", 1, sampleFacts({ users: users("carol") }))]);
    assert.deepEqual(await ctx.store.writeSnapshots([write("d1", 2, sampleFacts({ users: users("Carol", "CAROL", "dave") }))]), ["accepted"]);
    assert.deepEqual(await storedUsernames(ctx, "d1"), ["Carol", "dave"]);
  });
});
