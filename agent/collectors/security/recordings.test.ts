/** Security probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseGsettingsBool, parseGsettingsUint, parseLoginctlSessions, parseMokutilSbState, parseSecureBootEfivar } from "./linux.ts";
import { parseCsrutilStatus, parseIBridge, parseProfilesEnrollment, parseSpctlStatus } from "./darwin.ts";
import { parseDomainAndMdm, parseTpm } from "./windows.ts";
import { fixture as fixtureOf } from "../fixtures.ts";

const f = (name: string) => fixture(import.meta.url, name);

/** The bytes of a `hexdump -C` transcript: offset column and the |ascii| gutter dropped. */
function hexdumpBytes(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const line of text.split("\n")) {
    const m = /^[0-9a-f]{8}\s+((?:[0-9a-f]{2}\s+)+)/i.exec(line.replace(/\|.*$/, "") + " ");
    if (m) bytes.push(...m[1]!.trim().split(/\s+/).map((h) => Number.parseInt(h, 16)));
  }
  return Uint8Array.from(bytes);
}

test("mokutil --sb-state from real Linux machines: enabled on Ubuntu 22.04.5 and a 2019 sosreport host", () => {
  assert.deepEqual(parseMokutilSbState(f("ubuntu-22.04.5.mokutil-sb-state.txt")), { ok: true, value: true });
  assert.deepEqual(parseMokutilSbState(f("linux-sosreport-2019.mokutil-sb-state.txt")), { ok: true, value: true });
});

test("mokutil on a System76 machine in Setup Mode: Secure Boot is off", () => {
  assert.deepEqual(parseMokutilSbState(f("linux-system76-setup-mode.mokutil-sb-state.txt")), { ok: true, value: false });
});

test("the SecureBoot efivar as hexdumped on real machines: 06 00 00 00 01 is on, …00 is off", () => {
  const on = hexdumpBytes(f("ubuntu-22.04.5.efivar-secureboot-hexdump.txt"));
  assert.deepEqual([...on], [6, 0, 0, 0, 1]);
  assert.deepEqual(parseSecureBootEfivar(on), { ok: true, value: true });
  const off = hexdumpBytes(f("ubuntu-18.04-secureboot-off.efivar-secureboot-hexdump.txt"));
  assert.deepEqual(parseSecureBootEfivar(off), { ok: true, value: false });
});

test("gsettings on a real GNOME desktop: lock enabled, idle delay 300 s", () => {
  const values = new Map(f("ubuntu-kolide-athena.gsettings-list-recursively-excerpt.txt").split("\n").filter(Boolean)
    .map((l) => { const [schema, key, ...rest] = l.split(" "); return [`${schema} ${key}`, rest.join(" ")] as const; }));
  assert.deepEqual(parseGsettingsBool(values.get("org.gnome.desktop.screensaver lock-enabled")!), { ok: true, value: true });
  assert.deepEqual(parseGsettingsUint(values.get("org.gnome.desktop.session idle-delay")!), { ok: true, value: 300 });
  assert.deepEqual(parseGsettingsUint(values.get("org.gnome.desktop.screensaver lock-delay")!), { ok: true, value: 0 });
});

test("csrutil with SIP partly disabled (yabai users on macOS 12.5 and 14.2.1): not enabled", () => {
  assert.deepEqual(parseCsrutilStatus(f("macos-12.5-apple-silicon.csrutil-status-custom.txt")), { ok: true, value: false });
  assert.deepEqual(parseCsrutilStatus(f("macos-14.2.1-m1.csrutil-status-custom.txt")), { ok: true, value: false });
});

test("Win32_Tpm of a Nuvoton TPM 2.0: present, enabled, spec version 2.0", () => {
  assert.deepEqual(parseTpm(f("windows-10-11-nuvoton.win32-tpm.txt")), { ok: true, value: { present: true, enabled: true, version: "2.0" } });
});

test("loginctl on real desktops: sessions on a seat found, legend and footer lines ignored", () => {
  assert.deepEqual(parseLoginctlSessions(f("linux-2020.loginctl-list-sessions-legend.txt")), { ok: true, value: [
    { id: "2", uid: 1000, user: "hossein", seat: "seat0" }, { id: "c1", uid: 121, user: "gdm", seat: "seat0" },
  ] });
  assert.deepEqual(parseLoginctlSessions(f("linux-2023.loginctl-list-sessions-ssh.txt")), { ok: true, value: [
    { id: "2", uid: 1000, user: "username", seat: "seat0" }, { id: "4", uid: 1000, user: "username", seat: null },
  ] });
});

test("loginctl of systemd 256+/elogind 257 (LEADER and CLASS columns, \"-\" for no seat)", () => {
  assert.deepEqual(parseLoginctlSessions(f("slackware-current-2026.loginctl-elogind-257.txt")), { ok: true, value: [
    { id: "6", uid: 1004, user: "sed", seat: "seat0" }, { id: "c2", uid: 1004, user: "sed", seat: null },
  ] });
});

// Facet's script prints Win32_ComputerSystem's PartOfDomain and Domain; these full recordings live with the hardware fixtures.
const hardware = (name: string) => fixtureOf(new URL("../hardware/index.ts", import.meta.url).href, name);

test("PartOfDomain from real Win32_ComputerSystem recordings: a workgroup PC and an Entra-joined laptop are not domain-joined", () => {
  for (const name of ["windows-zh-dell-optiplex.win32-computersystem-all.txt", "windows-11-hp-zbook-entra.win32-computersystem-all.txt"]) {
    const r = parseDomainAndMdm(hardware(name));
    assert.deepEqual(r.domain, { ok: true, value: false }, name);
    assert.equal(r.domainName, null, name);
    // The Enrollments count is Facet's own addition to the script; without it MDM stays unknown.
    assert.equal(r.mdm.ok, false, name);
  }
});

test("spctl --status after spctl --master-disable: Gatekeeper off", () => {
  assert.deepEqual(parseSpctlStatus(f("macos-2020.spctl-status-disabled.txt")), { ok: true, value: false });
});

test("profiles status on a Mac enrolled through DEP (macOS 11): MDM, DEP and user approval all yes", () => {
  assert.deepEqual(parseProfilesEnrollment(f("macos-11.profiles-status-enrollment-dep.txt")), { ok: true, value: { mdm: true, dep: true, userApproved: true } });
});

test("system_profiler SPiBridgeDataType on a 2018 MacBook Pro: \"Apple T2 chip\" is a T2", () => {
  assert.deepEqual(parseIBridge(f("macos-10.13.6-mbp-2018.system-profiler-spibridge.txt")), { ok: true, value: { t2: true } });
});
