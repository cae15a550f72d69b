import { test } from "node:test";
import assert from "node:assert/strict";
import { Unknowns, within, createContext, runsAsRoot } from "./probe.ts";
import { joinFactPath as joinPath } from "../../shared/facts/paths.ts";

test("a failed probe becomes null with its reason under the fact path", () => {
  const u = new Unknowns();
  assert.equal(u.take("firewall_enabled", { ok: false, reason: "nft: command not found" }), null);
  assert.equal(u.take("hostname", { ok: true, value: "vm" }), "vm");
  assert.deepEqual(u.map, { firewall_enabled: "nft: command not found" });
});

test("joins family and fact paths the way the unknown map keys them", () => {
  assert.equal(joinPath("disks", "[0].encryption_enabled"), "disks[0].encryption_enabled");
  assert.equal(joinPath("network", "firewall_enabled"), "network.firewall_enabled");
  assert.equal(joinPath("software", ""), "software");
});

test("a library call that never settles times out into a reason", async () => {
  const r = await within("systeminformation.fsSize", 50, new Promise<never>(() => undefined));
  assert.deepEqual(r, { ok: false, reason: "systeminformation.fsSize: timed out after 50 ms" });
});

test("a library call that rejects becomes a reason, not a throw", async () => {
  const r = await within("si.system", 1000, Promise.reject(new Error("EACCES")));
  assert.deepEqual(r, { ok: false, reason: "si.system: EACCES" });
});

test("reading a missing file says which file", async () => {
  const r = await createContext().readText("/nonexistent/facet/file");
  assert.deepEqual(r, { ok: false, reason: "/nonexistent/facet/file: no such file" });
});

test("on Windows elevation is an unknown with a reason, never a guessed false", () => {
  const ctx = createContext({ platform: "win32" });
  assert.equal(ctx.elevated.ok, false);
  assert.match(ctx.elevated.ok ? "" : ctx.elevated.reason, /not probed on Windows/);
  assert.equal(runsAsRoot(ctx), false);
  ctx.close();
});

test("on POSIX elevation is known: root or not", () => {
  const ctx = createContext({ platform: "linux" });
  assert.deepEqual(ctx.elevated, { ok: true, value: process.getuid?.() === 0 });
  ctx.close();
});
