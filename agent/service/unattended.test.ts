import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { statePaths } from "../identity/state-dir.ts";
import type { EnrollOptions, EnrollResult } from "../identity/enroll.ts";
import { enrollUnattended, mergeEnv, readUnattendedConfig } from "./unattended.ts";

const TOKEN = "fct_enroll_0123456789abcdef";

function setup(config?: unknown) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "facet-unattended-"));
  const stateDir = path.join(dir, "state");
  const configPath = path.join(dir, "agent.json");
  if (config !== undefined) writeFileSync(configPath, typeof config === "string" ? config : JSON.stringify(config), { mode: 0o644 });
  const calls: EnrollOptions[] = [];
  // Records the call and leaves what a real enrollment leaves (state + key); the real enroll()
  // against a real connector is exercised by test/package with the built binary.
  const enrollFn = async (o: EnrollOptions): Promise<EnrollResult> => {
    calls.push(o);
    mkdirSync(o.stateDir, { recursive: true });
    writeFileSync(statePaths(o.stateDir).state, "{}");
    writeFileSync(statePaths(o.stateDir).key, "{}", { mode: 0o600 });
    return { deviceId: "dev_1", connectorUrl: o.url, stateDir: o.stateDir };
  };
  return { dir, stateDir, configPath, calls, enrollFn };
}

test("enrolls on first start from the config file, then rewrites the file without the token (0600)", async () => {
  const s = setup({ url: "https://facet.example:8443", enrollToken: TOKEN, caFile: "/etc/facet-agent/ca.pem" });
  const out = await enrollUnattended({ stateDir: s.stateDir, configPath: s.configPath, env: {}, enrollFn: s.enrollFn });
  assert.equal(out.action, "enrolled");
  assert.equal(s.calls.length, 1);
  assert.equal(s.calls[0]!.token, TOKEN);
  assert.equal(s.calls[0]!.caFile, "/etc/facet-agent/ca.pem");
  const after = readFileSync(s.configPath, "utf8");
  assert.ok(!after.includes(TOKEN), "token still on disk");
  assert.deepEqual(JSON.parse(after), { url: "https://facet.example:8443", caFile: "/etc/facet-agent/ca.pem" });
  assert.equal(statSync(s.configPath).mode & 0o777, 0o600);
});

test("does not enroll again once enrolled, but still removes a token dropped again by the MDM", async () => {
  const s = setup({ url: "https://facet.example:8443", enrollToken: TOKEN });
  await enrollUnattended({ stateDir: s.stateDir, configPath: s.configPath, env: {}, enrollFn: s.enrollFn });
  writeFileSync(s.configPath, JSON.stringify({ url: "https://facet.example:8443", enrollToken: TOKEN }));
  const again = await enrollUnattended({ stateDir: s.stateDir, configPath: s.configPath, env: {}, enrollFn: s.enrollFn });
  assert.equal(again.action, "already-enrolled");
  assert.equal(s.calls.length, 1);
  assert.ok(!readFileSync(s.configPath, "utf8").includes(TOKEN));
});

test("env vars FACET_URL and FACET_ENROLL_TOKEN enroll without any file, and override the file", async () => {
  const s = setup();
  const out = await enrollUnattended({ stateDir: s.stateDir, configPath: s.configPath, env: { FACET_URL: "http://127.0.0.1:1", FACET_ENROLL_TOKEN: TOKEN }, enrollFn: s.enrollFn });
  assert.equal(out.action, "enrolled");
  assert.equal(s.calls[0]!.url, "http://127.0.0.1:1");
  assert.deepEqual(mergeEnv({ url: "https://a", enrollToken: "from-file-xx" }, { FACET_URL: "https://b" }), { url: "https://b", enrollToken: "from-file-xx" });
});

test("nothing configured means nothing to do", async () => {
  const s = setup();
  assert.deepEqual(await enrollUnattended({ stateDir: s.stateDir, configPath: s.configPath, env: {}, enrollFn: s.enrollFn }), { action: "not-configured" });
  assert.equal(s.calls.length, 0);
});

test("a URL without a token is a clear configuration error, not a silent skip", async () => {
  const s = setup({ url: "https://facet.example:8443" });
  await assert.rejects(enrollUnattended({ stateDir: s.stateDir, configPath: s.configPath, env: {}, enrollFn: s.enrollFn }), /enrollToken \(FACET_ENROLL_TOKEN\) is missing/);
});

test("a malformed or mistyped config file is rejected naming the file and the problem, and left untouched", async () => {
  const bad = setup('{"url": "https://x", "enrolToken": "typo-typo-typo"}');
  await assert.rejects(enrollUnattended({ stateDir: bad.stateDir, configPath: bad.configPath, env: {}, enrollFn: bad.enrollFn }), (err: Error) => {
    assert.ok(err.message.includes(bad.configPath));
    assert.match(err.message, /enrolToken/);
    return true;
  });
  assert.equal(readFileSync(bad.configPath, "utf8"), '{"url": "https://x", "enrolToken": "typo-typo-typo"}');
  const notJson = setup("url=https://x");
  assert.throws(() => readUnattendedConfig(notJson.configPath), /is not valid JSON/);
});

test("a UTF-8 BOM (PowerShell's Set-Content -Encoding UTF8) is accepted", () => {
  const s = setup(`\uFEFF${JSON.stringify({ url: "https://x", enrollToken: TOKEN })}`);
  assert.equal(readUnattendedConfig(s.configPath)?.enrollToken, TOKEN);
});

test('http:// to another host needs "insecure": true in the config (or run --insecure); without it enroll refuses', async () => {
  const allowed = setup({ url: "http://192.0.2.1:8787", enrollToken: TOKEN, insecure: true });
  await enrollUnattended({ stateDir: allowed.stateDir, configPath: allowed.configPath, env: {}, enrollFn: allowed.enrollFn });
  assert.equal(allowed.calls[0]!.insecure, true);
  const byFlag = setup({ url: "http://192.0.2.1:8787", enrollToken: TOKEN });
  await enrollUnattended({ stateDir: byFlag.stateDir, configPath: byFlag.configPath, env: {}, enrollFn: byFlag.enrollFn, insecure: true });
  assert.equal(byFlag.calls[0]!.insecure, true);
  // The real enroll(): refused before any request (192.0.2.1 is TEST-NET-1) and the token stays for a fixed config.
  const refused = setup({ url: "http://192.0.2.1:8787", enrollToken: TOKEN });
  await assert.rejects(enrollUnattended({ stateDir: refused.stateDir, configPath: refused.configPath, env: {} }), /refusing http:\/\/ to 192\.0\.2\.1.*--insecure/);
  assert.ok(readFileSync(refused.configPath, "utf8").includes(TOKEN));
});
