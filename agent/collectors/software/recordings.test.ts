/** Software probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseInfoPlist } from "./darwin.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("Info.plist of an installed app (Avast 14.9): display name, short version, bundle id", () => {
  assert.deepEqual(parseInfoPlist(f("macos-11-avast-14.9.info-plist.xml")), { name: "Avast", version: "14.9", id: "com.avast.AAFM" });
});
