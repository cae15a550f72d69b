/**
 * What every OS's browser-store installer shares: who the console user is, what a store install
 * needs, and the fact it reports about how the private key is kept.
 */
import type { Step } from "../../service/plan.ts";

/**
 * How the private key of the device certificate is protected, as a fact, never a hope:
 * - `software`: a file-backed soft token the user can read and export (NSS on Linux);
 * - `os_keystore`: the OS keystore with the key marked non-exportable (login keychain, CurrentUser\My);
 * - `hardware`: generated in and never leaving a TPM / Secure Enclave. This build never generates
 *   keys there, so it never reports `hardware`.
 */
export type KeyTrustLevel = "software" | "os_keystore" | "hardware";

/** The person at the console, resolved to what a privilege drop needs. */
export interface ConsoleUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The files one import reads, already written (0600, owned by the user) into a private directory. */
export interface ImportFiles {
  dir: string;
  pkcs12: string;
  /** The one-time PKCS#12 password, for tools that read it from a file. */
  passwordFile: string;
  /** The same password, for tools that only take it on the command line (macOS `security`). */
  password: string;
}

/** One place a browser looks for client certificates, and the steps that (re)install into it. */
export interface StoreTarget {
  /** Stable label reported in the facts: `nss:chromium`, `nss:firefox:abcd.default-release`, `keychain:login`, `windows:CurrentUser\My`. */
  label: string;
  steps: Step[];
  /** Run after `steps` whether they succeeded or not (a one-shot task to delete). */
  cleanup?: Step[];
}

/** The nickname / friendly name under which the current device certificate is installed; the previous one is replaced by it. */
export const CERT_NICKNAME = "Facet device certificate";
