/** Software probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseInfoPlist } from "./darwin.ts";
import { parseUninstallEntries } from "./windows.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("Info.plist of an installed app (Avast 14.9): display name, short version, bundle id", () => {
  assert.deepEqual(parseInfoPlist(f("macos-11-avast-14.9.info-plist.xml")), { name: "Avast", version: "14.9", id: "com.avast.AAFM" });
});

test("Uninstall registry entries from a real PC: names, versions, publishers and install paths as Windows stores them", () => {
  assert.deepEqual(parseUninstallEntries(f("windows-10-2022.uninstall-registry-vs-ccleaner-edge.txt")), [
    { name: "Visual Studio Community 2022", version: "17.1.6", source: "registry", path: "C:\\Program Files\\Microsoft Visual Studio\\2022\\Community", vendor: "Microsoft Corporation" },
    { name: "CCleaner", version: "6.00", source: "registry", path: "C:\\Program Files\\CCleaner", vendor: "Piriform" },
    { name: "Microsoft Edge", version: "101.0.1210.39", source: "registry", path: "C:\\Program Files (x86)\\Microsoft\\Edge\\Application", vendor: "Microsoft Corporation" },
  ]);
});

test("a per-user (HKCU) install without publisher or install location: those are absent, not empty strings", () => {
  assert.deepEqual(parseUninstallEntries(f("windows-11-hkcu.uninstall-registry-per-user.txt")), [{ name: "bb 0.42.1", version: "0.42.1", source: "registry", path: null }]);
});
