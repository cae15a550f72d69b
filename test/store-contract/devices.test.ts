import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachBackend } from "../support/store/suite.ts";
import { device, enrollToken, sampleFacts, write } from "../support/store/fixtures.ts";
import type { DeviceBinding, NewEvent } from "../../connector/store/types.ts";

const binding = (deviceId: string, username: string): DeviceBinding => ({ deviceId, username, source: "admin", boundBy: "tok_admin", boundAt: 2000 });
const bound = (deviceId: string): NewEvent => ({ type: "device.user_bound", at: 2000, deviceId, data: { by: "tok_admin" } });
const unbound = (deviceId: string): NewEvent => ({ type: "device.user_unbound", at: 2100, deviceId, data: { by: "tok_admin" } });

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
    assert.deepEqual(await ids({ claimedUsername: "alice", limit: 10 }), ["a"], "users[] of the latest snapshot");
    assert.deepEqual(await ids({ claimedUsername: "bob", limit: 10 }), ["a"], "the console user at enrollment, case-insensitive");
    assert.deepEqual(await ids({ username: "alice", limit: 10 }), [], "claims are not bindings");
    await ctx.store.bindUser(binding("c", "Alice"), bound("c"));
    assert.deepEqual(await ids({ username: "ALICE", limit: 10 }), ["c"], "bound users, case-insensitive");
    assert.deepEqual(await ids({ platform: "mac_os", limit: 10 }), ["b"]);
    assert.deepEqual(await ids({ machineId: "9f6c1e2d3b4a59687766554433221100", limit: 10 }), ["a", "b"]);
    assert.deepEqual(await ids({ hardwareUuid: "4C4C4544-0042-3510-8052-B4C04F4E4E32", limit: 10 }), ["a", "b"]);
    assert.deepEqual(await ids({ limit: 2 }), ["a", "b"]);
    assert.deepEqual(await ids({ after: "b", limit: 2 }), ["c"]);
  });

  test("a newer snapshot replaces the usernames a device claims", async () => {
    await enroll("a");
    await ctx.store.writeSnapshots([write("a", 1)]);
    assert.equal((await ctx.store.findDevicesClaiming("alice")).length, 1);
    await ctx.store.writeSnapshots([write("a", 2, sampleFacts({ users: [{ id: "1001", username: "carol", name: null, home: null }] }))]);
    assert.deepEqual(await ctx.store.findDevicesClaiming("alice"), []);
    assert.deepEqual((await ctx.store.findDevicesClaiming("CAROL")).map((d) => d.id), ["a"]);
  });

  test("a device is bound to a user only by an authority, never by what it reports", async () => {
    await enroll("a", { username: "carol" });
    await ctx.store.writeSnapshots([write("a", 1, sampleFacts({ users: [{ id: "1001", username: "carol", name: null, home: null }] }))]);
    assert.deepEqual(await ctx.store.findDevicesBoundTo("carol"), [], "its console user and users[] are claims");
    assert.equal(await ctx.store.bindUser(binding("a", "Bob"), bound("a")), "bound");
    assert.equal(await ctx.store.bindUser(binding("a", "bob"), bound("a")), "already_bound", "case-insensitive");
    assert.deepEqual((await ctx.store.findDevicesBoundTo("BOB")).map((d) => d.id), ["a"]);
    const bindings = (await ctx.store.bindingsOf(["a", "ghost"])).get("a");
    assert.deepEqual(bindings?.map((b) => [b.username, b.source, b.boundBy, b.boundAt]), [["Bob", "admin", "tok_admin", 2000]]);
    assert.equal((await ctx.store.listEvents({ types: ["device.user_bound"], limit: 10 })).length, 1, "one event, for the binding that happened");
    assert.equal(await ctx.store.unbindUser("a", "BOB", unbound("a")), true);
    assert.equal(await ctx.store.unbindUser("a", "bob", unbound("a")), false);
    assert.deepEqual(await ctx.store.findDevicesBoundTo("bob"), []);
    assert.equal((await ctx.store.listEvents({ types: ["device.user_unbound"], limit: 10 })).length, 1);
  });

  test("binding refuses an unknown or revoked device, and revoked devices are not found by their user", async () => {
    assert.equal(await ctx.store.bindUser(binding("ghost", "bob"), bound("ghost")), "no_device");
    await enroll("a");
    await ctx.store.bindUser(binding("a", "bob"), bound("a"));
    await ctx.store.revokeDevice("a", 3000);
    assert.deepEqual(await ctx.store.findDevicesBoundTo("bob"), []);
    assert.equal(await ctx.store.bindUser(binding("a", "dave"), bound("a")), "revoked_device");
    assert.equal((await ctx.store.listEvents({ types: ["device.user_bound"], limit: 10 })).length, 1, "no event for a refused binding");
  });

  test("an enrollment token issued for a user binds every device it enrolls to that user", async () => {
    await ctx.store.createEnrollToken(enrollToken("per-user", { username: "erin", maxUses: 2 }), "h-per-user");
    assert.equal((await ctx.store.enrollDevice("h-per-user", device("e1", { username: "mallory" }), 1000)).ok, true);
    assert.deepEqual((await ctx.store.findDevicesBoundTo("erin")).map((d) => d.id), ["e1"]);
    assert.deepEqual(await ctx.store.findDevicesBoundTo("mallory"), [], "the agent's own word binds nothing");
    const [b] = (await ctx.store.bindingsOf(["e1"])).get("e1")!;
    assert.deepEqual([b!.source, b!.boundBy], ["enrollment", "per-user"]);
    assert.equal((await ctx.store.listEnrollTokens()).find((t) => t.id === "per-user")?.username, "erin");
  });

  test("finds a user's bound devices most recently seen first, leaving out revoked ones", async () => {
    for (const id of ["old", "new", "gone"]) {
      await enroll(id);
      await ctx.store.bindUser(binding(id, "dave"), bound(id));
    }
    await ctx.store.touchDevice("old", 5000);
    await ctx.store.touchDevice("new", 9000);
    await ctx.store.revokeDevice("gone", 9500);
    assert.deepEqual((await ctx.store.findDevicesBoundTo("dave")).map((d) => d.id), ["new", "old"]);
  });

  test("revoking is recorded once, hides the device from lists and the live count, and keeps it readable", async () => {
    assert.equal(await ctx.store.countDevices(), 0);
    await enroll("d1");
    await enroll("d2");
    assert.equal(await ctx.store.countDevices(), 2);
    assert.equal(await ctx.store.revokeDevice("d2", 3000), true);
    assert.equal(await ctx.store.countDevices(), 1);
    assert.equal(await ctx.store.revokeDevice("d1", 3000), true);
    assert.equal(await ctx.store.countDevices(), 0);
    assert.equal(await ctx.store.revokeDevice("d1", 4000), false);
    assert.equal(await ctx.store.revokeDevice("ghost", 4000), false);
    assert.equal((await ctx.store.getDevice("d1"))?.revokedAt, 3000);
    assert.deepEqual(await ctx.store.listDevices({ limit: 10 }), []);
    assert.deepEqual((await ctx.store.listDevices({ limit: 10, includeRevoked: true })).map((d) => d.id), ["d1", "d2"]);
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
