/** os probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseOsRelease } from "./linux.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("os-release of SLES 16.0 Beta4, comment lines and all", () => {
  assert.deepEqual(parseOsRelease(f("sles-16.0-beta4.os-release.txt")), { ok: true, value: { name: "SLES", version: "16.0 Beta4", id: "sles" } });
});

test("os-release of Rocky Linux 8.3: quoted ID", () => {
  assert.deepEqual(parseOsRelease(f("rocky-8.3.os-release.txt")), { ok: true, value: { name: "Rocky Linux", version: "8.3", id: "rocky" } });
});
