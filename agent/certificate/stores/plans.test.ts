/**
 * Synthetic, plan-only: the macOS and Windows install plans are checked as data here (this
 * machine has neither `security` nor PowerShell); nothing in these tests ran on a Mac or a PC.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { darwinTargets, identityService, loginKeychain } from "./darwin.ts";
import { importScript, IMPORT_TASK, psQuote, windowsTargets } from "./windows.ts";
import { asUser, nssInstallSteps } from "./linux.ts";
import type { ImportFiles } from "./types.ts";

const files: ImportFiles = { dir: "/private/tmp/facet-cert-x", pkcs12: "/private/tmp/facet-cert-x/device.p12", passwordFile: "/private/tmp/facet-cert-x/password", password: "0123456789abcdef0123456789abcdef" };
const ada = { name: "ada", uid: 501, gid: 20, home: "/Users/ada" };
const SHA = "a".repeat(40);

test("macOS: import into the login keychain as the user, key non-exportable (-x)", () => {
  const [target] = darwinTargets({ user: ada, files, sha1: SHA, signInHosts: [] });
  const first = target!.steps[0]!;
  assert.equal(first.kind, "run");
  assert.deepEqual(first.kind === "run" && first.argv, ["/bin/launchctl", "asuser", "501", "/usr/bin/sudo", "-u", "ada", "--", "/usr/bin/security", "import", files.pkcs12, "-k", "/Users/ada/Library/Keychains/login.keychain-db", "-f", "pkcs12", "-P", files.password, "-x"]);
  assert.equal(loginKeychain(ada), "/Users/ada/Library/Keychains/login.keychain-db");
});

test("macOS: one identity preference per sign-in host, naming the new certificate by hash", () => {
  const [target] = darwinTargets({ user: ada, files, sha1: SHA, signInHosts: ["auth.example.com", "https://sso.example.com/"] });
  const prefs = target!.steps.filter((s) => s.kind === "run" && s.argv.includes("set-identity-preference"));
  assert.equal(prefs.length, 2);
  assert.deepEqual(prefs[0]!.kind === "run" && prefs[0]!.argv.slice(7), ["/usr/bin/security", "set-identity-preference", "-Z", SHA.toUpperCase(), "-s", "https://auth.example.com/", "/Users/ada/Library/Keychains/login.keychain-db"]);
  assert.equal(identityService("https://sso.example.com/"), "https://sso.example.com/");
});

test("macOS: the previous identity is deleted after the new one is in, and may be gone already", () => {
  const { steps } = darwinTargets({ user: ada, files, sha1: SHA, previousSha1: "b".repeat(40), signInHosts: ["a.example"] })[0]!;
  const last = steps.at(-1)!;
  assert.ok(last.kind === "run" && last.argv.includes("delete-identity") && last.argv.includes("B".repeat(40)) && last.allowFailure === true);
  assert.equal(darwinTargets({ user: ada, files, sha1: SHA, previousSha1: SHA, signInHosts: [] })[0]!.steps.length, 1, "never deletes what it just imported");
});

test("Windows: the import runs as the interactive user via a one-shot task, without -Exportable, and the task is always deleted", () => {
  const winFiles: ImportFiles = { dir: "C:\\Windows\\Temp\\facet-cert-x", pkcs12: "C:\\Windows\\Temp\\facet-cert-x\\device.p12", passwordFile: "C:\\Windows\\Temp\\facet-cert-x\\password", password: "fedcba9876543210fedcba9876543210" };
  const [target] = windowsTargets({ account: "CONTOSO\\ada", files: winFiles });
  const script = importScript(winFiles);
  assert.match(script, /Import-PfxCertificate -FilePath 'C:\\Windows\\Temp\\facet-cert-x\\device\.p12' -CertStoreLocation Cert:\\CurrentUser\\My -Password \$password -Exportable:\$false/);
  assert.ok(!script.includes(winFiles.password), "the password is read from its file, not written into the script");
  const runs = target!.steps.flatMap((s) => (s.kind === "run" ? [s.argv] : []));
  assert.ok(runs.some((a) => a.includes("/Create") && a.includes("/RU") && a.includes("CONTOSO\\ada") && a.includes("/IT")));
  assert.ok(runs.some((a) => a.includes("/Run") && a.includes(IMPORT_TASK)));
  assert.ok(runs.some((a) => a[0]!.endsWith("icacls.exe") && a.includes("CONTOSO\\ada:(OI)(CI)F") && a.includes("/inheritance:r")));
  assert.deepEqual(target!.cleanup?.map((s) => s.kind === "run" && s.argv.slice(1)), [["/Delete", "/TN", IMPORT_TASK, "/F"]]);
  assert.equal(psQuote("it's"), "'it''s'");
});

test("Linux: NSS commands run as the user through setpriv when the agent is root, directly when it is that user", () => {
  const user = { name: "bob", uid: 1000, gid: 1000, home: "/home/bob" };
  assert.deepEqual(asUser(user, ["/usr/bin/certutil", "-L"], 0), ["/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "--reset-env", "--", "/usr/bin/certutil", "-L"]);
  assert.deepEqual(asUser(user, ["/usr/bin/certutil", "-L"], 1000), ["/usr/bin/certutil", "-L"]);
  const steps = nssInstallSteps({ label: "nss:chrome", dir: "/home/bob/.pki/nssdb", exists: true }, files, user, 1000);
  const last = steps.at(-1)!;
  assert.deepEqual(last.kind === "run" && last.argv, ["/usr/bin/pk12util", "-i", files.pkcs12, "-d", "sql:/home/bob/.pki/nssdb", "-w", files.passwordFile]);
  assert.ok(steps.every((s) => s.kind === "run" && !s.argv.includes(files.password)), "the password never reaches a command line on Linux");
});
