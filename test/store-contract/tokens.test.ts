import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";
import { device, enrollToken } from "../support/store/fixtures.ts";

await forEachBackend("store contract: tokens", (ctx) => {
  test("finds a live API token by its hash, with its scopes, and forgets it once revoked", async () => {
    await ctx.store.createApiToken({ id: "a1", name: "auth server", scopes: ["devices:read", "endpoint:check"], createdAt: 10, revokedAt: null }, "hash-a1");
    assert.deepEqual(await ctx.store.findApiTokenByHash("hash-a1"), {
      id: "a1",
      name: "auth server",
      scopes: ["devices:read", "endpoint:check"],
      createdAt: 10,
      revokedAt: null,
    });
    assert.equal(await ctx.store.findApiTokenByHash("hash-a2"), null);
    assert.equal(await ctx.store.revokeApiToken("a1", 20), true);
    assert.equal(await ctx.store.revokeApiToken("a1", 30), false, "revoking twice changes nothing");
    assert.equal(await ctx.store.findApiTokenByHash("hash-a1"), null);
    const [listed] = await ctx.store.listApiTokens();
    assert.equal(listed?.revokedAt, 20, "the first revocation time is kept");
  });

  test("refuses a second API token with the same hash", async () => {
    await ctx.store.createApiToken({ id: "a1", name: "x", scopes: ["admin"], createdAt: 1, revokedAt: null }, "same");
    await assert.rejects(ctx.store.createApiToken({ id: "a2", name: "y", scopes: ["admin"], createdAt: 2, revokedAt: null }, "same"));
    assert.equal((await ctx.store.listApiTokens()).length, 1);
  });

  test("lists tokens in creation order", async () => {
    await ctx.store.createApiToken({ id: "b", name: "second", scopes: [], createdAt: 2, revokedAt: null }, "h-b");
    await ctx.store.createApiToken({ id: "a", name: "first", scopes: [], createdAt: 1, revokedAt: null }, "h-a");
    assert.deepEqual((await ctx.store.listApiTokens()).map((t) => t.id), ["a", "b"]);
    await ctx.store.createEnrollToken(enrollToken("e2", { createdAt: 5, label: "later" }), "eh2");
    await ctx.store.createEnrollToken(enrollToken("e1", { createdAt: 4, maxUses: 3, expiresAt: 99 }), "eh1");
    assert.deepEqual(await ctx.store.listEnrollTokens(), [
      { id: "e1", label: null, username: null, createdAt: 4, expiresAt: 99, maxUses: 3, uses: 0, revokedAt: null },
      { id: "e2", label: "later", username: null, createdAt: 5, expiresAt: null, maxUses: null, uses: 0, revokedAt: null },
    ]);
  });

  test("enrolls against a token with uses left, counts the use and records device.enrolled", async () => {
    await ctx.store.createEnrollToken(enrollToken("t1", { maxUses: 2 }), "h1");
    const out = await ctx.store.enrollDevice("h1", device("d1", { name: "laptop", hostname: "build-01" }), 1000);
    assert.equal(out.ok, true);
    assert.equal(out.ok && out.device.id, "d1");
    assert.equal((await ctx.store.listEnrollTokens())[0]?.uses, 1);
    const stored = await ctx.store.getDevice("d1");
    assert.equal(stored?.name, "laptop");
    assert.equal(stored?.lastSeq, 0);
    const events = await ctx.store.listEvents({ types: ["device.enrolled"], limit: 10 });
    assert.equal(events.length, 1);
    assert.equal(events[0]?.deviceId, "d1");
    assert.equal(events[0]?.at, 1000);
    assert.equal(events[0]?.data.tokenId, "t1");
  });

  test("refuses unknown, expired, used-up and revoked tokens and writes nothing", async () => {
    await ctx.store.createEnrollToken(enrollToken("exp", { expiresAt: 2000 }), "h-exp");
    await ctx.store.createEnrollToken(enrollToken("one", { maxUses: 1 }), "h-one");
    await ctx.store.createEnrollToken(enrollToken("rev"), "h-rev");
    assert.equal(await ctx.store.revokeEnrollToken("rev", 5), true);
    assert.equal((await ctx.store.enrollDevice("h-one", device("first"), 1000)).ok, true);
    const before = await ctx.store.counts();
    assert.deepEqual(await ctx.store.enrollDevice("nope", device("d0"), 1000), { ok: false, reason: "unknown_token" });
    assert.deepEqual(await ctx.store.enrollDevice("h-exp", device("d0"), 2000), { ok: false, reason: "expired_token" }, "expiry is exclusive");
    assert.deepEqual(await ctx.store.enrollDevice("h-one", device("d0"), 1000), { ok: false, reason: "used_up_token" });
    assert.deepEqual(await ctx.store.enrollDevice("h-rev", device("d0"), 1000), { ok: false, reason: "revoked_token" });
    assert.deepEqual(await ctx.store.counts(), before);
    assert.equal(await ctx.store.getDevice("d0"), null);
    assert.deepEqual((await ctx.store.listEnrollTokens()).map((t) => [t.id, t.uses]), [
      ["exp", 0],
      ["one", 1],
      ["rev", 0],
    ]);
  });

  test("concurrent enrollments never use a token more often than its max uses", async () => {
    await ctx.store.createEnrollToken(enrollToken("t", { maxUses: 5 }), "h");
    // A second handle on the same data (a second replica, a second process) races the first.
    const other = await ctx.reopen();
    const attempts = Array.from({ length: 24 }, (_, i) => (i % 2 ? ctx.store : other).enrollDevice("h", device(`d${String(i).padStart(2, "0")}`), 1000));
    const outcomes = await Promise.all(attempts);
    assert.equal(outcomes.filter((o) => o.ok).length, 5);
    assert.ok(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.reason === "used_up_token"));
    assert.equal((await ctx.store.listEnrollTokens())[0]?.uses, 5);
    assert.equal((await ctx.store.listDevices({ limit: 100 })).length, 5);
    assert.equal((await ctx.store.listEvents({ types: ["device.enrolled"], limit: 100 })).length, 5);
  });

  test("refuses a public key already enrolled, live or revoked, without counting a token use", async () => {
    await ctx.store.createEnrollToken(enrollToken("t"), "h");
    assert.equal((await ctx.store.enrollDevice("h", device("d1"), 1000)).ok, true);
    const clone = device("d2", { publicKey: device("d1").publicKey });
    const before = await ctx.store.counts();
    assert.deepEqual(await ctx.store.enrollDevice("h", clone, 1001), { ok: false, reason: "key_in_use" });
    assert.deepEqual(await ctx.store.counts(), before);
    assert.equal((await ctx.store.listEnrollTokens())[0]?.uses, 1);
    await ctx.store.revokeDevice("d1", 1002);
    assert.deepEqual(await ctx.store.enrollDevice("h", clone, 1003), { ok: false, reason: "key_revoked" });
    assert.equal(await ctx.store.getDevice("d2"), null);
  });

  test("concurrent enrollments of one key through different tokens and handles make one device", async () => {
    await ctx.store.createEnrollToken(enrollToken("a"), "ha");
    await ctx.store.createEnrollToken(enrollToken("b"), "hb");
    const other = await ctx.reopen();
    const key = device("shared").publicKey;
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? ctx.store : other).enrollDevice(i % 3 ? "ha" : "hb", device(`c${String(i).padStart(2, "0")}`, { publicKey: key }), 1000)),
    );
    assert.equal(outcomes.filter((o) => o.ok).length, 1);
    assert.ok(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.reason === "key_in_use"));
    assert.equal((await ctx.store.listDevices({ limit: 100 })).length, 1);
  });

  test("refuses a second device with an id already enrolled and keeps the token use uncounted", async () => {
    await ctx.store.createEnrollToken(enrollToken("t"), "h");
    assert.equal((await ctx.store.enrollDevice("h", device("d1"), 1000)).ok, true);
    await assert.rejects(ctx.store.enrollDevice("h", device("d1", { name: "impostor", publicKey: device("other").publicKey }), 1001));
    assert.equal((await ctx.store.listEnrollTokens())[0]?.uses, 1, "the failed enrollment rolled back its token use");
    assert.equal((await ctx.store.getDevice("d1"))?.name, null);
  });
});
