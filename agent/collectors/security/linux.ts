/**
 * Linux security facts. Screen lock is a per-user GNOME setting, so a root agent finds the user
 * on the graphical seat (loginctl) and reads *their* gsettings. Secure Boot from the efivarfs
 * variable (4 attribute bytes, then the value byte), `mokutil --sb-state` as the second method.
 */
import { known, unknown, type Probe } from "../probe.ts";

export const SECURE_BOOT_EFIVAR = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e0a5a34cb7a0";

export function parseSecureBootEfivar(bytes: Uint8Array): Probe<boolean> {
  if (bytes.length !== 5) return unknown(`SecureBoot efivar: expected 5 bytes, got ${bytes.length}`);
  return known(bytes[4] === 1);
}

/**
 * `mokutil --sb-state`: "SecureBoot enabled" / "SecureBoot disabled" / "EFI variables are not
 * supported on this system" / "This system doesn't support Secure Boot" (firmware without it; on
 * stderr with exit 255).
 */
export function parseMokutilSbState(text: string): Probe<boolean> {
  if (/SecureBoot enabled/i.test(text)) return known(true);
  if (/SecureBoot disabled/i.test(text)) return known(false);
  if (/not supported|doesn't support Secure Boot/i.test(text)) return known(false);
  return unknown("mokutil --sb-state: unrecognised output");
}

export interface LoginSession { id: string; uid: number; user: string; seat: string | null }

/** `loginctl list-sessions --no-legend`: "SESSION UID USER SEAT TTY [STATE IDLE SINCE]". */
export function parseLoginctlSessions(text: string): Probe<LoginSession[]> {
  const rows: LoginSession[] = [];
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 3 || !/^\d+$/.test(cols[1] ?? "")) continue;
    const seat = cols[3] && /^seat/.test(cols[3]) ? cols[3] : null;
    rows.push({ id: cols[0]!, uid: Number(cols[1]), user: cols[2]!, seat });
  }
  if (rows.length === 0 && text.trim() && !/No sessions/i.test(text)) return unknown("loginctl: unrecognised output");
  return known(rows);
}

/** gsettings prints GVariant text: `true`, `uint32 300`. */
export function parseGsettingsBool(text: string): Probe<boolean> {
  const t = text.trim();
  return t === "true" ? known(true) : t === "false" ? known(false) : unknown(`gsettings: unexpected value "${t}"`);
}

export function parseGsettingsUint(text: string): Probe<number> {
  const m = /^(?:uint32\s+)?(\d+)$/.exec(text.trim());
  return m ? known(Number(m[1])) : unknown(`gsettings: unexpected value "${text.trim()}"`);
}

/** `realm list`: a "domain-name:" line per joined realm; empty output = not joined. */
export function parseRealmList(text: string): Probe<boolean> {
  return known(/^\s*(domain-name|realm-name):/m.test(text) || /^\S+\.\S+\s*$/m.test(text.split("\n")[0] ?? ""));
}
