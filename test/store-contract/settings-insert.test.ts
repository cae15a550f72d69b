import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";

await forEachBackend("store contract: insert-if-absent settings", (ctx) => {
  test("the first value stays; later proposals get it back unchanged", async () => {
    assert.deepEqual(await ctx.store.insertSettingIfAbsent("ca", { v: "first" }), { v: "first" });
    assert.deepEqual(await ctx.store.insertSettingIfAbsent("ca", { v: "second" }), { v: "first" });
    assert.deepEqual(await ctx.store.getSetting("ca"), { v: "first" });
  });

  test("a key set by putSetting is not overwritten", async () => {
    await ctx.store.putSetting("ca", 1);
    assert.equal(await ctx.store.insertSettingIfAbsent("ca", 2), 1);
  });

  test("proposals racing through two handles (two replicas) all end up with one winner", async () => {
    const other = await ctx.reopen();
    const handles = [ctx.store, other];
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => handles[i % 2]!.insertSettingIfAbsent("race", { by: i })));
    const winner = answers[0];
    for (const answer of answers) assert.deepEqual(answer, winner);
    assert.deepEqual(await ctx.store.getSetting("race"), winner);
    assert.deepEqual(await other.getSetting("race"), winner);
  });
});
