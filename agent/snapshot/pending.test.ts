import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Facts } from "../../shared/facts/schema.ts";
import { silentLogger } from "../log.ts";
import { PendingSlot, savePending, type PendingSnapshot } from "./pending.ts";

// Synthetic facts: only the shape matters here.
const facts: Facts = {
  os: { family: "linux", name: "Debian", version: "12", arch: "x64" },
  disks: null, network: null, hardware: null, security: null, software: null,
  processes: null, users: null, groups: null, vendor: null,
};
const snapshot = (seq: number): PendingSnapshot => ({ deviceId: "dev_1", seq, collectedAt: "2026-01-01T00:00:00.000Z", facts, unknown: {} });

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "facet-pending-"));
  test.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "pending.json");
}

test("a slot starts with the snapshot a previous run left on disk", () => {
  const file = tempFile();
  savePending(file, snapshot(4));
  assert.equal(new PendingSlot(file, "dev_1", silentLogger()).get()?.seq, 4);
});

test("a slot ignores a file left by another device", () => {
  const file = tempFile();
  savePending(file, snapshot(4));
  assert.equal(new PendingSlot(file, "dev_2", silentLogger()).get(), undefined);
});

test("after start the slot answers from memory, not from the file", () => {
  const file = tempFile();
  const slot = new PendingSlot(file, "dev_1", silentLogger());
  slot.set(snapshot(9));
  writeFileSync(file, "not json");
  assert.equal(slot.get()?.seq, 9);
});

test("set writes the snapshot through to disk and clear removes it", () => {
  const file = tempFile();
  const slot = new PendingSlot(file, "dev_1", silentLogger());
  slot.set(snapshot(2));
  assert.equal(JSON.parse(readFileSync(file, "utf8")).seq, 2);
  slot.clear();
  assert.equal(slot.get(), undefined);
  assert.equal(existsSync(file), false);
});
