import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "./suite.ts";
import { device, enrollToken, sampleFacts, write } from "./fixtures.ts";

await forEachBackend("store contract: devices", (ctx) => {
  async function enroll(id: string, extra: Parameters<typeof device>[1] = {}): Promise<void> {
    await ctx.store.createEnrollToken(enrollToken(`t-${id}`), `h-${id}`);
    assert.equal((await ctx.store.enrollDevice(`h-${id}`, device(id, extra), 1000)).ok, true);
  }

  test("returns null for a device that was never enrolled", async () => {
    assert.equal(await ctx.store.getDevice("ghost"), null);
  });

  test("filters devices by serial, hostname, user and platform with cursor pagination", async () => {
    await enroll("a", { username: "Bob" });
    await enroll("b", { platform: "mac_os" });
    await enroll("c");
    await ctx.store.writeSnapshots([
      write("a", 1, sampleFacts({ hardware: { ...sampleFacts().hardware!, serial: "SER-A" } })),
      write("b", 1, sampleFacts({ os: { ...sampleFacts().os!, family: "mac_os" }, network: { hostname: "Mac-B", firewall_enabled: null, interfaces: [] }, users: [] })),
    ]);
    const ids = async (q: Parameters<typeof ctx.store.listDevices>[0]) => (await ctx.store.listDevices(q)).map((d) => d.id);
    assert.deepEqual(await ids({ limit: 10 }), ["a", "b", "c"]);
    assert.deepEqual(await ids({ serial: "SER-A", limit: 10 }), ["a"]);
    assert.deepEqual(await ids({ hostname: "mac-b", limit: 10 }), ["b"], "hostname is case-insensitive");
    assert.deepEqual(await ids({ username: "alice", limit: 10 }), ["a"], "users[] of the latest snapshot");
    assert.deepEqual(await ids({ username: "bob", limit: 10 }), ["a"], "the username bound at enrollment, case-insensitive");
    assert.deepEqual(await ids({ platform: "mac_os", limit: 10 }), ["b"]);
    assert.deepEqual(await ids({ machineId: "9f6c1e2d3b4a59687766554433221100", limit: 10 }), ["a", "b"]);
    assert.deepEqual(await ids({ hardwareUuid: "4C4C4544-0042-3510-8052-B4C04F4E4E32", limit: 10 }), ["a", "b"]);
    assert.deepEqual(await ids({ limit: 2 }), ["a", "b"]);
    assert.deepEqual(await ids({ after: "b", limit: 2 }), ["c"]);
  });

  test("a newer snapshot replaces the usernames a device is found by", async () => {
    await enroll("a");
    await ctx.store.writeSnapshots([write("a", 1)]);
    assert.equal((await ctx.store.findDevicesByUsername("alice")).length, 1);
    await ctx.store.writeSnapshots([write("a", 2, sampleFacts({ users: [{ id: "1001", username: "carol", name: null, home: null }] }))]);
    assert.deepEqual(await ctx.store.findDevicesByUsername("alice"), []);
    assert.deepEqual((await ctx.store.findDevicesByUsername("CAROL")).map((d) => d.id), ["a"]);
  });

  test("finds devices by serial or username, most recently seen first, leaving out revoked ones", async () => {
    await enroll("old", { username: "dave" });
    await enroll("new", { username: "dave" });
    await enroll("gone", { username: "dave" });
    await ctx.store.touchDevice("old", 5000);
    await ctx.store.touchDevice("new", 9000);
    await ctx.store.revokeDevice("gone", 9500);
    assert.deepEqual((await ctx.store.findDevicesByUsername("dave")).map((d) => d.id), ["new", "old"]);
    await ctx.store.writeSnapshots([write("old", 1)]);
    assert.deepEqual((await ctx.store.findDevicesByUsername("PF3ABCDE")).map((d) => d.id), ["old"], "by serial");
  });

  test("revoking is recorded once, hides the device from lists, and keeps it readable", async () => {
    await enroll("d1");
    assert.equal(await ctx.store.revokeDevice("d1", 3000), true);
    assert.equal(await ctx.store.revokeDevice("d1", 4000), false);
    assert.equal(await ctx.store.revokeDevice("ghost", 4000), false);
    assert.equal((await ctx.store.getDevice("d1"))?.revokedAt, 3000);
    assert.deepEqual(await ctx.store.listDevices({ limit: 10 }), []);
    assert.deepEqual((await ctx.store.listDevices({ limit: 10, includeRevoked: true })).map((d) => d.id), ["d1"]);
  });

  test("last_seen only moves forward, whichever writer reports last", async () => {
    await enroll("d1");
    await ctx.store.touchDevice("d1", 5000);
    await ctx.store.touchDevice("d1", 4000);
    assert.equal((await ctx.store.getDevice("d1"))?.lastSeenAt, 5000);
    const late = write("d1", 1);
    late.snapshot.receivedAt = 4500;
    await ctx.store.writeSnapshots([late]);
    assert.equal((await ctx.store.getDevice("d1"))?.lastSeenAt, 5000);
    await ctx.store.touchDevice("ghost", 1); // no device, no error, no row
    assert.equal(await ctx.store.getDevice("ghost"), null);
  });
});
