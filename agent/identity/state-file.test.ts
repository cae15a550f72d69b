import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AgentError } from "../errors.ts";
import { readStateFile, StateStore, type DeviceState } from "./state-file.ts";

const tempFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), "facet-state-")), "state.json");
const initial: DeviceState = {
  v: 1,
  deviceId: "dev_123",
  connectorUrl: "http://127.0.0.1:8443",
  agentPath: "/v1/agent",
  publicKey: Buffer.alloc(32, 1).toString("base64"),
  enrolledAt: "2026-01-01T00:00:00.000Z",
  seq: 0,
};

test("a seq handed out survives a restart and is never handed out again", () => {
  const file = tempFile();
  const first = StateStore.create(file, initial);
  assert.equal(first.nextSeq(), 1);
  assert.equal(first.nextSeq(), 2);
  // Simulated restart: a new process opens the same file.
  const second = StateStore.open(file);
  assert.equal(second.current.seq, 2);
  assert.equal(second.nextSeq(), 3);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).seq, 3);
});

test("seq only ever moves forward when raised to the connector's lastSeq", () => {
  const store = StateStore.create(tempFile(), { ...initial, seq: 10 });
  store.raiseSeqTo(4);
  assert.equal(store.current.seq, 10);
  store.raiseSeqTo(42);
  assert.equal(store.nextSeq(), 43);
});

test("records the last acknowledgement durably", () => {
  const file = tempFile();
  StateStore.create(file, initial).recordAck(7, new Date("2026-02-03T04:05:06Z"));
  assert.deepEqual(StateStore.open(file).current.lastAck, { seq: 7, at: "2026-02-03T04:05:06.000Z" });
});

test("writes the state file owner-only", { skip: process.platform === "win32" }, () => {
  const file = tempFile();
  StateStore.create(file, initial);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test("a corrupt state file gives a clear error naming the file, not a crash", () => {
  const file = tempFile();
  writeFileSync(file, '{"v":1,"deviceId":"dev_1","seq":');
  assert.throws(
    () => StateStore.open(file),
    (err: unknown) => err instanceof AgentError && err.code === "state_file_invalid" && err.message.includes(file) && /corrupt/.test(err.message),
  );
});

test("a state file with wrong field types is rejected field by field", () => {
  const file = tempFile();
  writeFileSync(file, JSON.stringify({ ...initial, seq: -1, connectorUrl: "ftp://x" }));
  assert.throws(
    () => readStateFile(file),
    (err: unknown) => err instanceof AgentError && err.code === "state_file_invalid" && /seq/.test(err.message) && /connectorUrl/.test(err.message),
  );
});

test("a missing state file means not enrolled, with the command to run", () => {
  assert.equal(readStateFile(tempFile()), undefined);
  assert.throws(() => StateStore.open(tempFile()), (err: unknown) => err instanceof AgentError && err.code === "not_enrolled" && /facet-agent enroll/.test(err.message));
});
