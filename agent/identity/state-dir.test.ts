import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { defaultStateDir, resolveStateDir, type StateDirContext } from "./state-dir.ts";

const ctx = (over: Partial<StateDirContext>): StateDirContext => ({ platform: "linux", env: {}, isRoot: false, homedir: "/home/ada", ...over });

test("Linux: /var/lib/facet-agent as root, the XDG state dir otherwise", () => {
  assert.equal(defaultStateDir(ctx({ isRoot: true })), "/var/lib/facet-agent");
  assert.equal(defaultStateDir(ctx({})), "/home/ada/.local/state/facet-agent");
  assert.equal(defaultStateDir(ctx({ env: { XDG_STATE_HOME: "/xdg" } })), "/xdg/facet-agent");
  // A relative XDG_STATE_HOME is invalid per the spec and ignored.
  assert.equal(defaultStateDir(ctx({ env: { XDG_STATE_HOME: "rel" } })), "/home/ada/.local/state/facet-agent");
});

test("macOS: /Library/Application Support/Facet as root, the user's Library otherwise", () => {
  assert.equal(defaultStateDir(ctx({ platform: "darwin", isRoot: true })), "/Library/Application Support/Facet");
  assert.equal(defaultStateDir(ctx({ platform: "darwin", homedir: "/Users/ada" })), "/Users/ada/Library/Application Support/Facet");
});

test("Windows: %ProgramData%\\Facet", () => {
  assert.equal(defaultStateDir(ctx({ platform: "win32", env: { ProgramData: "D:\\PD" } })), "D:\\PD\\Facet");
  assert.equal(defaultStateDir(ctx({ platform: "win32" })), "C:\\ProgramData\\Facet");
});

test("--state-dir wins over FACET_STATE_DIR, which wins over the default", () => {
  const c = ctx({ env: { FACET_STATE_DIR: "/env/dir" } });
  assert.equal(resolveStateDir("/flag/dir", c), "/flag/dir");
  assert.equal(resolveStateDir(undefined, c), "/env/dir");
  assert.equal(resolveStateDir(undefined, ctx({})), "/home/ada/.local/state/facet-agent");
  assert.equal(resolveStateDir("rel/dir", c), path.resolve("rel/dir"));
});
