/**
 * The real `facet-agent enroll` refuses http:// to a host other than this one unless --insecure
 * is given: the enrollment token would cross the network in clear. Loopback stays allowed.
 * (No request is made for a refused URL: 192.0.2.1 is TEST-NET-1, never routed.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { refuseCleartext } from "../identity/enroll.ts";

const main = new URL("./main.ts", import.meta.url).pathname;

function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", main, ...args], { timeout: 60_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }));
  });
}

test("enroll refuses http:// to a non-loopback host without --insecure, before sending the token", async () => {
  const dir = mkdtempSync(join(tmpdir(), "facet-cleartext-"));
  try {
    const { code, stderr } = await cli(["enroll", "--url", "http://192.0.2.1:8787", "--token", "fce_secret-token-value", "--state-dir", dir]);
    assert.notEqual(code, 0);
    assert.match(stderr, /refusing http:\/\/ to 192\.0\.2\.1.*unencrypted.*--insecure/);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--insecure lifts the refusal; loopback needs no flag", () => {
  assert.doesNotThrow(() => refuseCleartext(new URL("http://192.0.2.1:8787"), true));
  assert.throws(() => refuseCleartext(new URL("http://facet.example.com"), false), /refusing http/);
  assert.doesNotThrow(() => refuseCleartext(new URL("https://facet.example.com"), false));
  for (const host of ["127.0.0.1", "127.9.8.7", "localhost", "[::1]"]) assert.doesNotThrow(() => refuseCleartext(new URL(`http://${host}:1`), false), host);
});

test("to loopback, http:// is attempted (and fails only for want of a connector)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "facet-cleartext-"));
  try {
    const local = await cli(["enroll", "--url", "http://127.0.0.1:1", "--token", "fce_secret-token-value", "--state-dir", dir]);
    assert.doesNotMatch(local.stderr, /refusing http/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
