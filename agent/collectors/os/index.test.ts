import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseAptSimulation, parseDnfSecurityList, parseDpkgLogLastUpgrade, parseOsRelease, parseRpmInstallTimes } from "./linux.ts";
import { parseInstallHistory, parseSwVers } from "./darwin.ts";
import { parseHotfixDate, parseWindowsVersion } from "./windows.ts";
import { daysSince } from "./index.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("reads name and version from Debian 12's os-release", () => {
  assert.deepEqual(parseOsRelease(f("debian-12-container.os-release.txt")), { ok: true, value: { name: "Debian GNU/Linux", version: "12 (bookworm)", id: "debian" } });
});

test("reports unknown for an os-release without NAME or ID", () => {
  assert.equal(parseOsRelease("FOO=bar\n").ok, false);
});

test("finds the last upgrade in dpkg.log", () => {
  const r = parseDpkgLogLastUpgrade(f("debian-12-container.dpkg-log.txt"));
  assert.equal(r.ok, true);
  if (r.ok) assert.equal(r.value, "2026-11-23T14:08:54");
});

test("counts security updates in an apt-get simulation (Debian-Security suite)", () => {
  const r = parseAptSimulation(f("debian-12-container.apt-get-s-upgrade.txt"));
  assert.equal(r.ok, true);
  if (r.ok) {
    const text = f("debian-12-container.apt-get-s-upgrade.txt");
    assert.equal(r.value.pending, text.split("\n").filter((l) => l.startsWith("Inst ")).length);
    assert.equal(r.value.security, text.split("\n").filter((l) => l.startsWith("Inst ") && /Debian-Security/.test(l)).length);
    assert.ok(r.value.security > 0 && r.value.security < r.value.pending);
  }
});

test("rejects apt output it does not recognise", () => {
  assert.equal(parseAptSimulation("E: Could not open lock file").ok, false);
});

test("takes the newest rpm install time", () => {
  assert.deepEqual(parseRpmInstallTimes("1700000000\n1710000000\n"), { ok: true, value: "2024-03-09T16:00:00.000Z" });
});

test("keeps the Rapid Security Response suffix from sw_vers on macOS 13.3.1 (a)", () => {
  assert.deepEqual(parseSwVers(f("macos-13.3.1a.sw_vers.txt")), { ok: true, value: { name: "macOS", version: "13.3.1", build: "22E772610a", extra: "(a)" } });
});

test("reads sw_vers from Mac OS X 10.13, before ProductVersionExtra existed", () => {
  assert.deepEqual(parseSwVers(f("macos-10.13.1.sw_vers.txt")), { ok: true, value: { name: "Mac OS X", version: "10.13.1", build: "17B48", extra: null } });
});

test("reports unknown for partial sw_vers output (macOS 26 notes without ProductName)", () => {
  const r = parseSwVers(f("macos-26.3.1a.sw_vers-partial.txt"));
  assert.equal(r.ok, false);
});

test("macOS last patch: config-data (XProtect, Gatekeeper, MRT) and the Xcode Command Line Tools are not OS updates", () => {
  const r = parseInstallHistory(f("macos-10.15.install-history-config-data-and-clt.plist"));
  assert.equal(r.ok, false, `a Mac with no OS update in its history has no last patch date, not ${r.ok ? r.value : ""}`);
  if (!r.ok) assert.match(r.reason, /no macOS update/);
});

test("macOS last patch: the newest macOS update, not a later XProtect data update", () => {
  assert.deepEqual(parseInstallHistory(f("macos-10.12.install-history-os-update.synthetic.plist")), { ok: true, value: "2017-07-25T04:26:10Z" });
  // Big Sur and later record updates without package ids, by name; RSRs too (synthetic entries, JSON as older agents asked for).
  const json = JSON.stringify([
    { date: "2023-05-01T10:00:00Z", displayName: "macOS Ventura 13.3.1 (a)", displayVersion: "13.3.1 (a)", packageIdentifiers: [], processName: "softwareupdated" },
    { date: "2023-06-01T10:00:00Z", displayName: "XProtectPayloads", contentType: "config-data", packageIdentifiers: ["com.apple.pkg.XProtectPayloads_10_15.16U4211"], processName: "softwareupdated" },
  ]);
  assert.deepEqual(parseInstallHistory(json), { ok: true, value: "2023-05-01T10:00:00Z" });
});

test("builds major.minor.build.UBR from Windows 10 21H2's registry (English)", () => {
  assert.deepEqual(parseWindowsVersion(f("windows-10-21h2-en.currentversion.txt")), { ok: true, value: { name: "Windows 10 Pro", version: "10.0.19044", build: "10.0.19044.3086" } });
});

test("reads the same registry values on a Spanish-language Windows 10", () => {
  assert.deepEqual(parseWindowsVersion(f("windows-10-21h2-es.currentversion.txt")), { ok: true, value: { name: "Windows 10 Pro", version: "10.0.19044", build: "10.0.19044.1766" } });
});

test("reads Windows 10 1803's registry despite a wrapped PSPath line", () => {
  assert.deepEqual(parseWindowsVersion(f("windows-10-1803-en.currentversion.txt")), { ok: true, value: { name: "Windows 10 Pro", version: "10.0.17134", build: "10.0.17134.285" } });
});

test("names Windows 11 by build ≥ 22000 although ProductName still says Windows 10", () => {
  // Synthetic input (not a recording): the registry shape above with a Windows 11 23H2 build.
  const text = "ProductName               : Windows 10 Pro\nCurrentMajorVersionNumber : 10\nCurrentMinorVersionNumber : 0\nCurrentBuildNumber        : 22631\nUBR                       : 4317\n";
  assert.deepEqual(parseWindowsVersion(text), { ok: true, value: { name: "Windows 11 Pro", version: "10.0.22631", build: "10.0.22631.4317" } });
});

test("accepts only culture-invariant hotfix dates", () => {
  assert.deepEqual(parseHotfixDate("2024-05-14\r\n"), { ok: true, value: "2024-05-14" });
  assert.equal(parseHotfixDate("14.05.2024").ok, false);
});

test("counts whole days since the last patch", () => {
  assert.equal(daysSince("2024-05-01T00:00:00Z", new Date("2024-05-11T12:00:00Z")), 10);
  assert.equal(daysSince("not a date", new Date()), null);
});

test("dnf5 (Fedora 41+): the table's header row is not an update, and a package with two advisories counts once", () => {
  assert.deepEqual(parseDnfSecurityList(f("fedora-29-dnf5.updateinfo-list.txt")), { ok: true, value: 1 });
});

test("dnf4 updateinfo: counts packages with pending security updates, as apt does, not advisory × package lines", () => {
  const text = f("rhel-9.1-dnf4.updateinfo-list-security.txt");
  assert.equal(text.split("\n").filter((l) => /\/Sec\./.test(l)).length, 35, "35 advisory lines in the recording");
  assert.deepEqual(parseDnfSecurityList(text), { ok: true, value: 22 });
  assert.deepEqual(parseDnfSecurityList(""), { ok: true, value: 0 }, "no output: nothing pending");
});
