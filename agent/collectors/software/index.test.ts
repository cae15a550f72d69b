import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseDpkgQuery, parseRpmQuery } from "./linux.ts";
import { parseInfoPlist } from "./darwin.ts";
import { parseUninstallEntries } from "./windows.ts";

test("lists installed dpkg packages from this machine", () => {
  const text = fixture(import.meta.url, "debian-12-container.dpkg-query.txt");
  const pkgs = parseDpkgQuery(text);
  assert.equal(pkgs.length, text.split("\n").filter((l) => /\tii ?\s*$/.test(l) || /\tii/.test(l)).length);
  assert.ok(pkgs.length > 10);
  assert.deepEqual(Object.keys(pkgs[0]!).sort(), ["name", "source", "version"]);
  assert.equal(pkgs[0]!.source, "dpkg");
});

test("skips removed-but-configured dpkg packages", () => {
  assert.deepEqual(parseDpkgQuery("gone\t1.0\trc \nkept\t2.0\tii \n"), [{ name: "kept", version: "2.0", source: "dpkg" }]);
});

test("reads rpm name and version-release, without gpg-pubkey", () => {
  assert.deepEqual(parseRpmQuery("bash\t5.2.26-3.fc40\ngpg-pubkey\ta15b79cc-63d04c2c\n"), [{ name: "bash", version: "5.2.26-3.fc40", source: "rpm" }]);
});

test("reads name and version from an XML Info.plist", () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
  <key>CFBundleIdentifier</key><string>org.mozilla.firefox</string>
  <key>CFBundleName</key><string>Firefox</string>
  <key>CFBundleShortVersionString</key><string>125.0.3</string></dict></plist>`;
  assert.deepEqual(parseInfoPlist(xml), { name: "Firefox", version: "125.0.3", id: "org.mozilla.firefox" });
});

test("reads Uninstall registry entries once each", () => {
  const out = parseUninstallEntries("\nDisplayName     : 7-Zip 23.01 (x64)\nDisplayVersion  : 23.01\nPublisher       : Igor Pavlov\nInstallLocation : C:\\Program Files\\7-Zip\\\n\nDisplayName     : 7-Zip 23.01 (x64)\nDisplayVersion  : 23.01\nPublisher       : Igor Pavlov\nInstallLocation : C:\\Program Files\\7-Zip\\\n");
  assert.equal(out.length, 1);
  assert.equal(out[0]!.path, "C:\\Program Files\\7-Zip\\");
});
