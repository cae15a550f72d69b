import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseCmdline, parseStatusUid } from "./linux.ts";
import { parsePsOutput } from "./darwin.ts";
import { parseWindowsProcesses } from "./windows.ts";

test("reads the real UID from this machine's /proc/1/status", () => {
  assert.equal(parseStatusUid(fixture(import.meta.url, "debian-12-container.proc-1-status.txt")), 0);
});

test("joins argv like authentik and names kernel threads by comm", () => {
  assert.equal(parseCmdline(Buffer.from("/usr/lib/systemd/systemd\0--system\0"), "systemd"), "/usr/lib/systemd/systemd --system");
  assert.equal(parseCmdline(Buffer.alloc(0), "kthreadd\n"), "[kthreadd]");
});

test("reads ps and Windows process lists", () => {
  assert.deepEqual(parsePsOutput("    1 root             /sbin/launchd\n  501 alice  /Applications/Safari.app/Contents/MacOS/Safari\n"), [
    { id: 1, user: "root", name: "/sbin/launchd" }, { id: 501, user: "alice", name: "/Applications/Safari.app/Contents/MacOS/Safari" },
  ]);
  assert.deepEqual(parseWindowsProcesses("Id   : 4\nName : System\nUser :\n"), [{ id: 4, name: "System", user: null }]);
});
