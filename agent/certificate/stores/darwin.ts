/**
 * macOS: the console user's login keychain, where Safari and Chrome find client identities, with
 * the private key imported non-exportable (`-x`): the key trust level is `os_keystore`. An identity
 * preference per configured sign-in host makes the browsers pick this certificate there without
 * asking which one.
 *
 * The agent runs as root from launchd; a login keychain is only reachable inside the user's
 * security session, hence `launchctl asuser <uid> sudo -u <user>` around each `security` call.
 *
 * This file builds the plan only: nothing here runs on the Linux machines the tests use, and the
 * tests that cover it check the plan (labelled synthetic), not a Mac.
 */
import type { Step } from "../../service/plan.ts";
import { CERT_NICKNAME, type ConsoleUser, type ImportFiles, type StoreTarget } from "./types.ts";

export const DARWIN_TOOLS = { launchctl: "/bin/launchctl", sudo: "/usr/bin/sudo", security: "/usr/bin/security" } as const;

export interface DarwinPlanInput {
  user: ConsoleUser;
  files: ImportFiles;
  /** SHA-1 (hex) of the certificate being installed: what identity preferences and deletions name. */
  sha1: string;
  /** SHA-1 of the certificate installed last time, replaced by this one. */
  previousSha1?: string;
  /** Hosts (or https URLs) users sign in at, from the agent config's `signInHosts`. */
  signInHosts: string[];
}

export function loginKeychain(user: ConsoleUser): string {
  return `${user.home}/Library/Keychains/login.keychain-db`;
}

function asUser(user: ConsoleUser, argv: string[]): string[] {
  return [DARWIN_TOOLS.launchctl, "asuser", String(user.uid), DARWIN_TOOLS.sudo, "-u", user.name, "--", ...argv];
}

export function darwinTargets({ user, files, sha1, previousSha1, signInHosts }: DarwinPlanInput): StoreTarget[] {
  const keychain = loginKeychain(user);
  const steps: Step[] = [
    // `security import` has no password-file option: the one-time password opens only this file,
    // which sits in a 0700 directory of the user's and is deleted right after.
    { kind: "run", argv: asUser(user, [DARWIN_TOOLS.security, "import", files.pkcs12, "-k", keychain, "-f", "pkcs12", "-P", files.password, "-x"]) },
  ];
  for (const host of signInHosts) {
    steps.push({ kind: "run", argv: asUser(user, [DARWIN_TOOLS.security, "set-identity-preference", "-Z", sha1.toUpperCase(), "-s", identityService(host), keychain]) });
  }
  // The new identity is in before the old one goes, and each is named by its own hash, so a
  // failed import never leaves the user with neither.
  if (previousSha1 !== undefined && previousSha1.toLowerCase() !== sha1.toLowerCase()) {
    steps.push({ kind: "run", argv: asUser(user, [DARWIN_TOOLS.security, "delete-identity", "-Z", previousSha1.toUpperCase(), keychain]), allowFailure: true });
  }
  return [{ label: `keychain:login (${CERT_NICKNAME})`, steps }];
}

/** `security set-identity-preference -s` takes a URL; a bare host becomes its https URL. */
export function identityService(host: string): string {
  return /^https:\/\//i.test(host) ? host : `https://${host}/`;
}
