import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseGsettingsUint, parseLoginctlSessions, parseMokutilSbState, parseSecureBootEfivar, parseGsettingsBool } from "./linux.ts";
import { parseConsoleUser, parseCsrutilStatus, parseDsconfigadShow, parseProfilesEnrollment, parseSecureBootPolicy, parseSpctlStatus, parseSysadminctlScreenLock } from "./darwin.ts";
import { decodeProductState, parseAntivirus, parseDomainAndMdm, parseSecureBoot, parseTpm, parseWindowsScreenLock } from "./windows.ts";
import { createContext } from "../probe.ts";
import { mokutilSecureBoot } from "./index.ts";
import { securityCollector } from "./index.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("reads the SecureBoot efivar: 4 attribute bytes then the value", () => {
  assert.deepEqual(parseSecureBootEfivar(Uint8Array.from([6, 0, 0, 0, 1])), { ok: true, value: true });
  assert.deepEqual(parseSecureBootEfivar(Uint8Array.from([6, 0, 0, 0, 0])), { ok: true, value: false });
  assert.equal(parseSecureBootEfivar(Uint8Array.from([1])).ok, false);
  assert.deepEqual(parseMokutilSbState("SecureBoot enabled\n"), { ok: true, value: true });
});

test("loginctl on this container fails, which the parser never sees as 'no sessions'", () => {
  const text = f("debian-12-container.loginctl-list-sessions.txt");
  assert.match(text, /not been booted with systemd/);
  assert.deepEqual(parseLoginctlSessions("      2 1000 alice seat0 tty2\n      5    0 root        pts/0\n"), {
    ok: true, value: [{ id: "2", uid: 1000, user: "alice", seat: "seat0" }, { id: "5", uid: 0, user: "root", seat: null }],
  });
  assert.deepEqual(parseGsettingsUint("uint32 300\n"), { ok: true, value: 300 });
  assert.equal(parseGsettingsBool("No such schema “org.gnome.desktop.screensaver”").ok, false);
});

test("reads SIP, Gatekeeper and MDM enrollment from recorded macOS outputs", () => {
  assert.deepEqual(parseCsrutilStatus(f("macos.csrutil-status-enabled.txt")), { ok: true, value: true });
  assert.deepEqual(parseSpctlStatus(f("macos.spctl-status-enabled.txt")), { ok: true, value: true });
  assert.deepEqual(parseProfilesEnrollment(f("macos-13.profiles-status-enrollment.txt")), { ok: true, value: { mdm: true, dep: false, userApproved: true } });
});

test("a custom SIP configuration is not 'enabled'", () => {
  assert.deepEqual(parseCsrutilStatus("System Integrity Protection status: enabled (Custom Configuration).\n\nConfiguration:\n\tKext Signing: disabled"), { ok: true, value: false });
  assert.equal(parseCsrutilStatus("csrutil: command not found").ok, false);
});

test("reads the console user's screen lock from sysadminctl", () => {
  assert.deepEqual(parseSysadminctlScreenLock(f("macos-15.sysadminctl-screenlock-immediate.txt")), { ok: true, value: { enabled: true, delaySeconds: 0 } });
  assert.deepEqual(parseSysadminctlScreenLock("2024-05-01 sysadminctl[88:99] screenLock is off"), { ok: true, value: { enabled: false, delaySeconds: null } });
  assert.deepEqual(parseConsoleUser("root\n"), { ok: true, value: null }, "login window: nobody to read");
});

test("reads directory binding and the T2 secure boot policy", () => {
  assert.deepEqual(parseDsconfigadShow(""), { ok: true, value: false });
  assert.deepEqual(parseDsconfigadShow("Active Directory Forest          = corp.example.com\nActive Directory Domain          = corp.example.com\n"), { ok: true, value: true });
  assert.deepEqual(parseSecureBootPolicy("94b73556-2197-4702-82a8-3e1337dafbfb:AppleSecureBootPolicy\t%02\n"), { ok: true, value: { level: "full" } });
});

test("decodes Security Center productState: Bitdefender on, passive Defender off", () => {
  const r = parseAntivirus(f("windows-10-en.antivirusproduct-bitdefender-defender.txt"));
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.deepEqual(r.value.map((a) => [a.name, a.enabled, a.up_to_date]), [["Bitdefender Antivirus", true, true], ["Windows Defender", false, true]]);
});

test("decodes Defender on and up to date (397568)", () => {
  const r = parseAntivirus(f("windows-2024-en.antivirusproduct-defender.txt"));
  assert.equal(r.ok && r.value[0]!.enabled, true);
  assert.deepEqual(decodeProductState(397584), { enabled: true, up_to_date: false });
});

test("Secure Boot: Confirm-SecureBootUEFI first, NotSupported means legacy BIOS, registry second", () => {
  assert.deepEqual(parseSecureBoot("Confirm  : True\nRegistry : 1\n"), { ok: true, value: true });
  assert.deepEqual(parseSecureBoot("ConfirmError : NotSupported,Microsoft.SecureBoot.Commands.ConfirmSecureBootUefiCommand\n"), { ok: true, value: false });
  assert.deepEqual(parseSecureBoot("ConfirmError : UnauthorizedAccessException,Microsoft.SecureBoot.Commands.ConfirmSecureBootUefiCommand\nRegistry     : 1\n"), { ok: true, value: true });
  assert.equal(parseSecureBoot("ConfirmError : UnauthorizedAccessException\nRegistryError : PathNotFound\n").ok, false);
});

test("TPM, domain and MDM from the Windows scripts", () => {
  assert.deepEqual(parseTpm("NoTpm : True\n"), { ok: true, value: { present: false, enabled: null, version: null } });
  assert.deepEqual(parseTpm("IsEnabled_InitialValue   : True\nIsActivated_InitialValue : True\nSpecVersion              : 2.0, 0, 1.38\n"), { ok: true, value: { present: true, enabled: true, version: "2.0" } });
  const dm = parseDomainAndMdm("PartOfDomain : True\nDomain       : corp.example.com\n\nMdmEnrollments : 1\nMdmProviders   : MS DM Server\n");
  assert.deepEqual([dm.domain, dm.mdm, dm.domainName], [{ ok: true, value: true }, { ok: true, value: true }, "corp.example.com"]);
});

test("Windows screen lock: machine inactivity policy or a secure, timed screen saver", () => {
  assert.deepEqual(parseWindowsScreenLock("ConsoleUser : PC\\alice\nSid : S-1-5-21-1\nUserScreenSaveActive : 1\nUserScreenSaverIsSecure : 1\nUserScreenSaveTimeOut : 600\nInactivityTimeoutSecs : 900\n"),
    { ok: true, value: { enabled: true, idleSeconds: 600, user: "PC\\alice" } });
  assert.deepEqual(parseWindowsScreenLock("ConsoleUser : PC\\bob\nSid : S-1-5-21-2\nUserScreenSaveActive : 1\nUserScreenSaverIsSecure : 0\nUserScreenSaveTimeOut : 600\nInactivityTimeoutSecs :\n"),
    { ok: true, value: { enabled: false, idleSeconds: null, user: "PC\\bob" } });
  assert.equal(parseWindowsScreenLock("ConsoleUser :\nInactivityTimeoutSecs :\n").ok, false, "nobody signed in and no policy: unknown");
});

test("on this container, screen lock, secure boot and TPM are unknown with reasons", async () => {
  const result = await securityCollector(createContext()).collect();
  assert.equal(result.value?.secure_boot, null);
  assert.ok(result.unknown.secure_boot);
  assert.equal(result.value?.screen_lock, null);
  assert.ok(result.unknown.screen_lock);
});

test("Linux: mokutil's \"This system doesn't support Secure Boot\" (stderr, exit 255) means Secure Boot is off", () => {
  const stderr = f("ubuntu-oracle-6.17.mokutil-sb-state-unsupported.txt");
  assert.deepEqual(mokutilSecureBoot({ ok: false, reason: "mokutil: exited with code 255", stdout: "", stderr, code: 255 }), { ok: true, value: false });
  assert.deepEqual(mokutilSecureBoot({ ok: true, stdout: "SecureBoot enabled\n", stderr: "", code: 0 }), { ok: true, value: true });
  assert.deepEqual(mokutilSecureBoot({ ok: false, reason: "mokutil: command not found" }), { ok: false, reason: "mokutil: command not found" });
});

test("Windows: Confirm-SecureBootUEFI failing with GetFWVarFailed (variable undefined) means Secure Boot is off", () => {
  const transcript = f("windows-en.confirm-securebootuefi-getfwvarfailed.txt");
  const id = /FullyQualifiedErrorId : (\S+)/.exec(transcript)![1]!;
  const message = /Confirm-SecureBootUEFI : (.*?) At line/.exec(transcript)![1]!;
  // The agent's script prints the error id and message with Format-List; without the registry value (legacy layout).
  const output = `ConfirmError   : ${id}\nConfirmMessage : ${message}\nRegistryError  : PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand\n`;
  assert.deepEqual(parseSecureBoot(output), { ok: true, value: false });
  // Any other firmware-variable failure stays unknown.
  assert.equal(parseSecureBoot("ConfirmError   : GetFWVarFailed,Microsoft.SecureBoot.Commands.ConfirmSecureBootUefiCommand\nConfirmMessage : Access is denied: 0xC0000022\n").ok, false);
});
