/**
 * macOS security facts: SIP (`csrutil status`), Gatekeeper (`spctl --status`), MDM enrollment
 * (`profiles status -type enrollment`), directory binding (`dsconfigad -show`), screen lock as
 * the console user (`sysadminctl -screenLock status`, which replaced the askForPassword default
 * in macOS 10.13+), Secure Enclave (Apple silicon or T2) and Intel T2 secure boot policy.
 */
import { known, unknown, type Probe } from "../probe.ts";

export function parseCsrutilStatus(text: string): Probe<boolean> {
  const m = /System Integrity Protection status:\s*(enabled|disabled|unknown)/i.exec(text);
  if (!m) return unknown("csrutil status: unrecognised output");
  // "enabled (Custom Configuration)" lists disabled parts: not fully enabled.
  if (/custom configuration/i.test(text)) return known(false);
  if (m[1]!.toLowerCase() === "unknown") return unknown("csrutil status: SIP status unknown");
  return known(m[1]!.toLowerCase() === "enabled");
}

/** `spctl --status`: "assessments enabled" (exit 0) / "assessments disabled" (exit 1). */
export function parseSpctlStatus(text: string): Probe<boolean> {
  if (/assessments enabled/i.test(text)) return known(true);
  if (/assessments disabled/i.test(text)) return known(false);
  return unknown("spctl --status: unrecognised output");
}

/** `profiles status -type enrollment`: "Enrolled via DEP: No" / "MDM enrollment: Yes (User Approved)". */
export function parseProfilesEnrollment(text: string): Probe<{ mdm: boolean; dep: boolean | null; userApproved: boolean | null }> {
  const mdm = /MDM enrollment:\s*(Yes|No)/i.exec(text);
  if (!mdm) return unknown("profiles status: unrecognised output");
  const dep = /Enrolled via DEP:\s*(Yes|No)/i.exec(text);
  return known({
    mdm: mdm[1]!.toLowerCase() === "yes",
    dep: dep ? dep[1]!.toLowerCase() === "yes" : null,
    userApproved: /User Approved/i.test(text) ? true : mdm[1]!.toLowerCase() === "yes" ? false : null,
  });
}

/** `dsconfigad -show`: nothing when not bound; "Active Directory Domain = corp.example.com" when bound. */
export function parseDsconfigadShow(text: string): Probe<boolean> {
  return known(/Active Directory Domain\s*=\s*\S+/.test(text));
}

/**
 * `sysadminctl -screenLock status` logs to stderr: "screenLock delay is immediate",
 * "screenLock delay is 300 seconds", "screenLock is off".
 */
export function parseSysadminctlScreenLock(text: string): Probe<{ enabled: boolean; delaySeconds: number | null }> {
  if (/screenLock is off/i.test(text)) return known({ enabled: false, delaySeconds: null });
  if (/screenLock delay is immediate/i.test(text)) return known({ enabled: true, delaySeconds: 0 });
  const m = /screenLock delay is (\d+) seconds?/i.exec(text);
  if (m) return known({ enabled: true, delaySeconds: Number(m[1]) });
  return unknown("sysadminctl -screenLock status: unrecognised output");
}

/** `system_profiler SPiBridgeDataType`: a "Model Name: Apple T2 Security Chip" (or T1) line on Intel Macs that have one. */
export function parseIBridge(text: string): Probe<{ t2: boolean }> {
  if (/Model Name:\s*Apple T2/i.test(text)) return known({ t2: true });
  if (/iBridge|Controller Information|Model Name/i.test(text) || text.trim() === "") return known({ t2: false });
  return unknown("system_profiler SPiBridgeDataType: unrecognised output");
}

/** `nvram 94b73556-…:AppleSecureBootPolicy` on T2 Macs: %02 full, %01 medium, %00 off. */
export function parseSecureBootPolicy(text: string): Probe<{ level: "full" | "medium" | "none" }> {
  const m = /AppleSecureBootPolicy\s+%0([0-2])/.exec(text);
  if (!m) return unknown("nvram AppleSecureBootPolicy: unrecognised output");
  return known({ level: m[1] === "2" ? "full" : m[1] === "1" ? "medium" : "none" });
}

/** `stat -f %Su /dev/console`: the console user; "root" at the login window. */
export function parseConsoleUser(text: string): Probe<string | null> {
  const user = text.trim();
  if (!user) return unknown("stat /dev/console: no output");
  return known(user === "root" || user === "_mbsetupuser" ? null : user);
}
