import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { RotatingFile } from "./log-file.ts";
import { createLogger } from "./log.ts";

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "facet-log-"));
const posix = process.platform !== "win32";

test("the log file and its directory are created private (0600, 0700)", { skip: !posix }, () => {
  const file = path.join(tempDir(), "logs", "facet-agent.log");
  const out = new RotatingFile(file);
  out.write("x\n");
  out.close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
});

test("an existing log file others could read is made private when it is opened", { skip: !posix }, () => {
  const file = path.join(tempDir(), "facet-agent.log");
  writeFileSync(file, "old\n");
  chmodSync(file, 0o644);
  new RotatingFile(file).close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, "utf8"), "old\n", "appends, never truncates");
});

test("the file is rotated before it grows past maxBytes, keeping the newest `keep` old files, no line split or lost", () => {
  const file = path.join(tempDir(), "facet-agent.log");
  const out = new RotatingFile(file, { maxBytes: 1024, keep: 2 });
  const line = (n: number) => `${JSON.stringify({ n, pad: "x".repeat(90) })}\n`; // ~110 bytes
  for (let n = 0; n < 60; n++) out.write(line(n));
  out.close();
  const files = [file, `${file}.1`, `${file}.2`];
  for (const f of files) assert.ok(statSync(f).size <= 1024, `${f} is ${statSync(f).size} bytes`);
  assert.equal(existsSync(`${file}.3`), false, "only `keep` rotated files are kept");
  // Newest in the file, older in .1, oldest kept in .2; together a contiguous tail of what was written.
  const lines = [...files].reverse().flatMap((f) => readFileSync(f, "utf8").split("\n").filter(Boolean));
  const seen = lines.map((l) => (JSON.parse(l) as { n: number }).n);
  assert.equal(seen.at(-1), 59);
  assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => 60 - seen.length + i));
  assert.ok(seen.length >= 18, `three files of ~9 lines each hold the tail, got ${seen.length}`);
});

test("a restarted agent continues the existing file and counts its size", () => {
  const file = path.join(tempDir(), "facet-agent.log");
  writeFileSync(file, "a".repeat(1000) + "\n");
  const out = new RotatingFile(file, { maxBytes: 1024, keep: 1 });
  out.write("b".repeat(100) + "\n");
  out.close();
  assert.equal(readFileSync(`${file}.1`, "utf8"), "a".repeat(1000) + "\n");
  assert.equal(readFileSync(file, "utf8"), "b".repeat(100) + "\n");
});

test("createLogger with a file writes pino JSON lines there, with secrets redacted", () => {
  const file = path.join(tempDir(), "facet-agent.log");
  const log = createLogger("info", { path: file });
  log.info({ token: "fct_enroll_secret", deviceId: "dev_1" }, "enrolled");
  log.debug("below the level");
  const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.msg, "enrolled");
  assert.equal(lines[0]!.name, "facet-agent");
  assert.equal(lines[0]!.deviceId, "dev_1");
  assert.equal(lines[0]!.token, "[redacted]");
});

test("a log size below 1 KiB is refused rather than rotating on every line", () => {
  assert.throws(() => new RotatingFile(path.join(tempDir(), "x.log"), { maxBytes: 10 }), /at least 1024/);
});

test("when the old file cannot be moved aside, lines keep going to the current file instead of being lost", () => {
  const file = path.join(tempDir(), "facet-agent.log");
  // A directory where `.1` should go: rotation fails the way a file held open on Windows makes it fail.
  mkdirSync(`${file}.1`);
  writeFileSync(path.join(`${file}.1`, "keep"), "");
  const out = new RotatingFile(file, { maxBytes: 1024, keep: 1 });
  for (let n = 0; n < 20; n++) out.write(`${"x".repeat(99)}\n`);
  out.close();
  assert.equal(readFileSync(file, "utf8").split("\n").filter(Boolean).length, 20);
});
