/**
 * Windows security facts through the run's PowerShell session, each printed with Format-List.
 * Secure Boot: Confirm-SecureBootUEFI (needs Administrator; throws NotSupported on legacy BIOS)
 * with the SecureBoot\State registry value as second method. Antivirus from Security Center
 * (root/SecurityCenter2, workstations only). Screen lock is per user: a SYSTEM service reads the
 * console user's hive under HKEY_USERS\<SID>, and the machine inactivity limit policy.
 */
import { parsePsList, psBool, psInt, psStr, type PsRecord } from "../parse/ps-list.ts";
import { known, unknown, type Probe } from "../probe.ts";

export const WINDOWS_SECURE_BOOT_SCRIPT = [
  "$r = [ordered]@{}",
  "try { $r.Confirm = [string](Confirm-SecureBootUEFI) } catch { $r.ConfirmError = $_.FullyQualifiedErrorId; $r.ConfirmMessage = $_.Exception.Message }",
  "try { $r.Registry = (Get-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecureBoot\\State' -Name UEFISecureBootEnabled).UEFISecureBootEnabled } catch { $r.RegistryError = $_.FullyQualifiedErrorId }",
  "[pscustomobject]$r | Format-List",
].join("; ");

export const WINDOWS_TPM_SCRIPT =
  "$t = Get-CimInstance -Namespace 'root\\cimv2\\Security\\MicrosoftTpm' -ClassName Win32_Tpm; if ($t) { $t | Format-List IsEnabled_InitialValue,IsActivated_InitialValue,SpecVersion } else { 'NoTpm : True' }";

export const WINDOWS_ANTIVIRUS_SCRIPT = [
  "Get-CimInstance -Namespace 'root\\SecurityCenter2' -ClassName AntiVirusProduct | Format-List displayName,productState,pathToSignedProductExe",
].join("; ");

export const WINDOWS_DOMAIN_MDM_SCRIPT = [
  "Get-CimInstance Win32_ComputerSystem | Format-List PartOfDomain,Domain",
  "$e = @(Get-ChildItem 'HKLM:\\SOFTWARE\\Microsoft\\Enrollments' -ErrorAction SilentlyContinue | ForEach-Object { Get-ItemProperty $_.PSPath } | Where-Object { $_.EnrollmentState -eq 1 -and $_.ProviderID })",
  "[pscustomobject]@{ MdmEnrollments = $e.Count; MdmProviders = ($e.ProviderID -join ',') } | Format-List",
].join("; ");

export const WINDOWS_SCREEN_LOCK_SCRIPT = [
  "$r = [ordered]@{}",
  "$u = (Get-CimInstance Win32_ComputerSystem).UserName; $r.ConsoleUser = $u",
  "if ($u) { $sid = (New-Object System.Security.Principal.NTAccount($u)).Translate([System.Security.Principal.SecurityIdentifier]).Value; $r.Sid = $sid",
  "  foreach ($k in @(\"Registry::HKEY_USERS\\$sid\\Control Panel\\Desktop\", \"Registry::HKEY_USERS\\$sid\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop\")) { $p = Get-ItemProperty -Path $k -ErrorAction SilentlyContinue; $pre = if ($k -like '*Policies*') { 'Policy' } else { 'User' }; if ($p) { $r[\"${pre}ScreenSaveActive\"] = $p.ScreenSaveActive; $r[\"${pre}ScreenSaverIsSecure\"] = $p.ScreenSaverIsSecure; $r[\"${pre}ScreenSaveTimeOut\"] = $p.ScreenSaveTimeOut } } }",
  "$m = Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System' -ErrorAction SilentlyContinue; $r.InactivityTimeoutSecs = $m.InactivityTimeoutSecs",
  "[pscustomobject]$r | Format-List",
].join("; ");

const merged = (text: string): PsRecord => Object.assign({}, ...parsePsList(text)) as PsRecord;

export function parseSecureBoot(text: string): Probe<boolean> {
  const r = merged(text);
  const confirm = psBool(r.Confirm);
  if (confirm !== null) return known(confirm);
  // Legacy BIOS boot: the cmdlet is "not supported on this platform", so Secure Boot is off.
  if (/NotSupported/i.test(r.ConfirmError ?? "")) return known(false);
  const reg = psInt(r.Registry);
  if (reg === 0 || reg === 1) return known(reg === 1);
  // Firmware without a SecureBoot variable (older UEFI, Secure Boot off): STATUS_VARIABLE_NOT_FOUND.
  // Other GetFWVarFailed statuses (access denied…) say nothing about the state.
  if (/^GetFWVarFailed\b/.test(r.ConfirmError ?? "") && /0xC0000100|currently undefined/i.test(r.ConfirmMessage ?? "")) return known(false);
  return unknown(`Confirm-SecureBootUEFI: ${r.ConfirmError ?? "no answer"}; SecureBoot\\State registry: ${r.RegistryError ?? "no value"}`);
}

export function parseTpm(text: string): Probe<{ present: boolean; enabled: boolean | null; version: string | null }> {
  const r = merged(text);
  if (psBool(r.NoTpm) === true) return known({ present: false, enabled: null, version: null });
  if (!("IsEnabled_InitialValue" in r) && !("SpecVersion" in r)) return unknown("Win32_Tpm: unrecognised output");
  return known({ present: true, enabled: psBool(r.IsEnabled_InitialValue), version: psStr(r.SpecVersion)?.split(",")[0]?.trim() ?? null });
}

/**
 * Security Center's productState packs three bytes: product type, scanner state (0x10/0x11 on,
 * 0x00/0x01 off) and signature state (0x00 up to date, 0x10 out of date): 397568 = 0x061100 is
 * "on, up to date". Undocumented by Microsoft but stable since Vista.
 */
export function decodeProductState(state: number): { enabled: boolean; up_to_date: boolean } {
  const scanner = (state >> 8) & 0xff;
  const signatures = state & 0xff;
  return { enabled: scanner === 0x10 || scanner === 0x11, up_to_date: signatures === 0x00 };
}

export function parseAntivirus(text: string): Probe<Array<Record<string, unknown>>> {
  const records = parsePsList(text).filter((r) => r.displayName);
  if (text.trim() && records.length === 0) return unknown("AntiVirusProduct: unrecognised output");
  return known(records.map((r) => {
    const state = psInt(r.productState);
    return { name: r.displayName!, path: psStr(r.pathToSignedProductExe), product_state: state, ...(state === null ? {} : decodeProductState(state)) };
  }));
}

export function parseDomainAndMdm(text: string): { domain: Probe<boolean>; mdm: Probe<boolean>; domainName: string | null } {
  const r = merged(text);
  const part = psBool(r.PartOfDomain);
  const count = psInt(r.MdmEnrollments);
  return {
    domain: part === null ? unknown("Win32_ComputerSystem: no PartOfDomain") : known(part),
    domainName: part ? psStr(r.Domain) : null,
    mdm: count === null ? unknown("Enrollments registry: not readable") : known(count > 0),
  };
}

/**
 * Locked after inactivity when the machine policy InactivityTimeoutSecs is set, or when the
 * user's (or policy's) screen saver is active, secure and timed. Policy values win over the
 * user's own. The timeout reported is the shortest that applies.
 */
export function parseWindowsScreenLock(text: string): Probe<{ enabled: boolean; idleSeconds: number | null; user: string | null }> {
  const r = merged(text);
  if (!("ConsoleUser" in r)) return unknown("screen lock script: unrecognised output");
  const user = psStr(r.ConsoleUser);
  const machine = psInt(r.InactivityTimeoutSecs);
  const pick = (name: string) => psStr(r[`Policy${name}`]) ?? psStr(r[`User${name}`]);
  const active = pick("ScreenSaveActive") === "1";
  const secure = pick("ScreenSaverIsSecure") === "1";
  const timeout = psInt(pick("ScreenSaveTimeOut") ?? undefined);
  const saverLocks = active && secure && timeout !== null && timeout > 0;
  const candidates = [machine && machine > 0 ? machine : null, saverLocks ? timeout : null].filter((n): n is number => n !== null);
  if (candidates.length > 0) return known({ enabled: true, idleSeconds: Math.min(...candidates), user });
  if (!user) return unknown("no console user signed in; only the machine inactivity policy is readable and it is not set");
  return known({ enabled: false, idleSeconds: null, user });
}
