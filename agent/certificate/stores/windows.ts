/**
 * Windows: the console user's CurrentUser\My store, where Edge and Chrome find client
 * certificates, with the key imported non-exportable (`Import-PfxCertificate` without
 * `-Exportable`): the key trust level is `os_keystore`.
 *
 * The agent runs as SYSTEM (a scheduled task), and a user's store and DPAPI-protected keys are
 * only writable from that user's own logon, so the import runs as a one-shot scheduled task in the
 * interactive user's session (`/RU <user> /IT`) and the agent waits for the result file it writes.
 *
 * This file builds the plan only: the tests check the plan (labelled synthetic), not a Windows PC.
 */
import type { Step } from "../../service/plan.ts";
import type { ImportFiles, StoreTarget } from "./types.ts";

export const WINDOWS_TOOLS = {
  schtasks: "C:\\Windows\\System32\\schtasks.exe",
  icacls: "C:\\Windows\\System32\\icacls.exe",
  powershell: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
} as const;

export const IMPORT_TASK = "Facet device certificate import";
/** How long the agent waits for the user's session to run the import. */
const WAIT_SECONDS = 60;

export interface WindowsPlanInput {
  /** `DOMAIN\user` of the interactive session (Win32_ComputerSystem.UserName). */
  account: string;
  files: ImportFiles;
}

/** PowerShell single-quoted literal: a quote is doubled, nothing else is special. */
export function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function importScript(files: ImportFiles): string {
  const done = `${files.dir}\\done.txt`;
  return [
    "$ErrorActionPreference = 'Stop'",
    "try {",
    `  $password = ConvertTo-SecureString -String (Get-Content -LiteralPath ${psQuote(files.passwordFile)} -TotalCount 1) -AsPlainText -Force`,
    `  $cert = Import-PfxCertificate -FilePath ${psQuote(files.pkcs12)} -CertStoreLocation Cert:\\CurrentUser\\My -Password $password -Exportable:$false`,
    // Renewals keep the device's subject and issuer: the older ones (and their keys) go.
    "  Get-ChildItem Cert:\\CurrentUser\\My | Where-Object { $_.Subject -eq $cert.Subject -and $_.Issuer -eq $cert.Issuer -and $_.Thumbprint -ne $cert.Thumbprint } | Remove-Item -DeleteKey",
    `  Set-Content -LiteralPath ${psQuote(done)} -Value ('ok ' + $cert.Thumbprint)`,
    "} catch {",
    `  Set-Content -LiteralPath ${psQuote(done)} -Value ('error ' + $_.Exception.Message)`,
    "}",
    "",
  ].join("\r\n");
}

export function windowsTargets({ account, files }: WindowsPlanInput): StoreTarget[] {
  const script = `${files.dir}\\import.ps1`;
  const done = `${files.dir}\\done.txt`;
  const waitForResult = [
    `$deadline = (Get-Date).AddSeconds(${WAIT_SECONDS})`,
    `while (-not (Test-Path -LiteralPath ${psQuote(done)}) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 500 }`,
    `if (-not (Test-Path -LiteralPath ${psQuote(done)})) { [Console]::Error.WriteLine('the import did not run in the user session'); exit 1 }`,
    `$result = Get-Content -LiteralPath ${psQuote(done)} -TotalCount 1`,
    "if ($result -notlike 'ok *') { [Console]::Error.WriteLine($result); exit 1 }",
  ].join("; ");
  const steps: Step[] = [
    { kind: "write", path: script, mode: 0o600, content: importScript(files) },
    // Only SYSTEM and the user may read the PKCS#12, its password and the script.
    { kind: "run", argv: [WINDOWS_TOOLS.icacls, files.dir, "/inheritance:r", "/grant:r", "*S-1-5-18:(OI)(CI)F", `${account}:(OI)(CI)F`] },
    {
      kind: "run",
      argv: [WINDOWS_TOOLS.schtasks, "/Create", "/TN", IMPORT_TASK, "/TR", `${WINDOWS_TOOLS.powershell} -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "${script}"`, "/SC", "ONCE", "/ST", "00:00", "/RU", account, "/IT", "/F"],
    },
    { kind: "run", argv: [WINDOWS_TOOLS.schtasks, "/Run", "/TN", IMPORT_TASK] },
    { kind: "run", argv: [WINDOWS_TOOLS.powershell, "-NoProfile", "-NonInteractive", "-Command", waitForResult] },
  ];
  const cleanup: Step[] = [{ kind: "run", argv: [WINDOWS_TOOLS.schtasks, "/Delete", "/TN", IMPORT_TASK, "/F"], allowFailure: true }];
  return [{ label: "windows:CurrentUser\\My", steps, cleanup }];
}
