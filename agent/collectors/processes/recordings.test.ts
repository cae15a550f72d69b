/** Process probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseCmdline } from "./linux.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("/proc/1/cmdline of Fedora 40's systemd: NUL-separated argv joined with spaces", () => {
  const raw = Buffer.from(f("fedora-40.proc-1-cmdline-escaped.txt").trimEnd().replaceAll("\\0", "\0"), "utf8");
  assert.equal(raw.includes(0), true);
  assert.equal(parseCmdline(raw, "systemd"), "/usr/lib/systemd/systemd --switched-root --system --deserialize=40 rhgb");
});

test("a process that rewrote its argv (redis-server) reads as the one string it left", () => {
  assert.equal(parseCmdline(Buffer.from(f("centos-redis.proc-cmdline-rewritten-argv.txt").trimEnd()), "redis-server"), "redis-server 192.168.0.1:6379");
});
