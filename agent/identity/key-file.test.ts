import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeyPair } from "../../shared/signing/sign.ts";
import { AgentError } from "../errors.ts";
import { checkKeyFilePermissions, loadKeyPair, saveKeyPair } from "./key-file.ts";

const posix = process.platform !== "win32";
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "facet-key-"));

test("writes the key file with mode 0600 and reads the same key back", { skip: !posix }, () => {
  const file = path.join(tempDir(), "device.key");
  const pair = generateKeyPair();
  saveKeyPair(file, pair);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const loaded = loadKeyPair(file);
  assert.deepEqual(Buffer.from(loaded.secretKey), Buffer.from(pair.secretKey));
  assert.deepEqual(Buffer.from(loaded.publicKey), Buffer.from(pair.publicKey));
  assert.deepEqual(checkKeyFilePermissions(file), { ok: true, mode: "0600" });
});

test("keeps 0600 even under a permissive umask", { skip: !posix }, () => {
  const old = process.umask(0o000);
  try {
    const file = path.join(tempDir(), "device.key");
    saveKeyPair(file, generateKeyPair());
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    process.umask(old);
  }
});

test("refuses a key file readable by group or others and says how to fix it", { skip: !posix }, () => {
  const file = path.join(tempDir(), "device.key");
  saveKeyPair(file, generateKeyPair());
  chmodSync(file, 0o644);
  assert.throws(
    () => loadKeyPair(file),
    (err: unknown) =>
      err instanceof AgentError &&
      err.code === "key_file_permissions" &&
      err.message.includes("0644") &&
      err.message.includes(`chmod 600 '${file}'`),
  );
  chmodSync(file, 0o640);
  assert.equal(checkKeyFilePermissions(file).ok, false);
});

test("rejects a corrupt key file with a clear error instead of a stack trace", () => {
  const file = path.join(tempDir(), "device.key");
  writeFileSync(file, "{not json", { mode: 0o600 });
  assert.throws(() => loadKeyPair(file), (err: unknown) => err instanceof AgentError && err.code === "key_file_invalid" && /not valid JSON/.test(err.message));
  writeFileSync(file, JSON.stringify({ v: 1, algorithm: "ed25519", publicKey: "AAAA", seed: "AAAA" }), { mode: 0o600 });
  assert.throws(() => loadKeyPair(file), (err: unknown) => err instanceof AgentError && /32 bytes/.test(err.message));
});

test("detects a key file whose public key does not belong to its seed", () => {
  const file = path.join(tempDir(), "device.key");
  saveKeyPair(file, generateKeyPair());
  const doc = JSON.parse(readFileSync(file, "utf8"));
  doc.publicKey = Buffer.from(generateKeyPair().publicKey).toString("base64");
  writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
  assert.throws(() => loadKeyPair(file), /does not match its seed/);
});

test("never writes the secret key in a form that shows in the error message", () => {
  const file = path.join(tempDir(), "device.key");
  const pair = generateKeyPair();
  saveKeyPair(file, pair);
  chmodSync(file, 0o600);
  const doc = JSON.parse(readFileSync(file, "utf8"));
  doc.v = 2;
  writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
  try {
    loadKeyPair(file);
    assert.fail("expected an error");
  } catch (err) {
    assert.ok(!(err as Error).message.includes(doc.seed));
  }
});
