/**
 * What the person signing in reads, as opposed to what an administrator reads. A check's own
 * `message` is written for the admin view (`facet devices compliance`, the `checks` of an answer):
 * it names the probe that failed ("nft: command not found"), the catalog version, the CEL error.
 * None of that helps someone at a sign-in page, and some of it is a command only an admin can run.
 * So the user sees: for a failing check its message and remediation (those are written for them:
 * "Not encrypted: /. Turn on FileVault…"), and for anything Facet could not decide one sentence
 * naming what could not be checked and who can help.
 */
import type { CheckResult } from "./types.ts";

const ASK_IT = "If this persists, contact your IT administrator.";

/** What each check verifies, in the words of someone who owns the device. */
const CHECK_SUBJECTS: Record<string, string> = {
  platform: "which operating system this device runs",
  osVersion: "this device's operating system version",
  diskEncryptionType: "this device's disk encryption",
  screenLockType: "this device's screen lock",
  secureHardwarePresent: "this device's security hardware",
  firewallEnabled: "this device's firewall",
  secureBootEnabled: "this device's Secure Boot setting",
  maxFactAge: "how recent this device's report is",
};

function subject(check: string): string {
  if (check.startsWith("custom:")) return `this device against "${check.slice("custom:".length)}"`;
  return CHECK_SUBJECTS[check] ?? "a requirement of the device policy";
}

/**
 * The user-facing sentence for one check that did not pass (without remediation or grace, which
 * userMessages adds), or null when the check has nothing to tell them.
 */
export function userText(c: Pick<CheckResult, "check" | "status" | "message" | "cause">): string | null {
  if (c.status === "PASS" || !c.message) return null;
  // The catalog's age is the administrator's to fix; the user can only wait or ask.
  if (c.cause === "os_catalog_stale") return `Your device's OS updates cannot be verified right now. ${ASK_IT}`;
  // A broken policy (a custom check that does not compile, times out…) is not the device's fault.
  if (c.cause === "policy_error") return `This device could not be checked because of a problem in the sign-in policy. Contact your IT administrator.`;
  // These two are already written for the user and say what to do.
  if (c.check === "facts" || c.check === "maxFactAge") return c.message;
  if (c.status === "UNKNOWN") return `Facet could not check ${subject(c.check)}. Make sure the Facet agent is running and up to date. ${ASK_IT}`;
  return c.message;
}
