/**
 * The agent on Windows: a Task Scheduler task that runs the single-file agent as SYSTEM at boot and
 * brings it back when it dies, registered with `schtasks /Create /XML` from a definition made here
 * by a pure function. Commands are argument vectors, run with execFile, never through a shell.
 *
 * Why a scheduled task and not a service: the Service Control Manager only keeps a process that
 * speaks its protocol (StartServiceCtrlDispatcher, SERVICE_RUNNING within 30 s). Node does not, so a
 * plain `sc.exe create` of the Node SEA executable is killed with error 1053 and never runs. Making
 * it a service needs a wrapper. The one on the npm registry, node-windows, bundles WinSW 1.17
 * (59 KB, MIT, a .NET Framework program from 2015, not Authenticode-signed): a decade-old unsigned
 * binary running as SYSTEM beside ours is harder for an IT admin to trust than Windows' own Task
 * Scheduler, which needs no extra file, shows its whole definition in one XML document (printed by
 * `install --dry-run`, kept beside the binary, `schtasks /Query /XML` shows what is registered), and
 * is what many endpoint agents already use. A native service would need an addon or a download; see
 * docs/deploy.md.
 *
 * Restart on failure: Task Scheduler's RestartOnFailure only retries when the task could not be
 * *started* (MS-TSCH 2.5.4.2), not when the process exits or crashes. So besides the boot trigger a
 * time trigger fires every RESTART_INTERVAL for ever; with MultipleInstancesPolicy IgnoreNew it does
 * nothing while the agent runs and starts it again within that interval after it died (also before
 * the first reboot after install, which a boot trigger alone would not cover). That trigger ignores
 * exit codes, so a revoked device would be started (and rejected) every minute for ever: instead the
 * agent disables the task itself when the connector rejects the device.
 *
 * The state directory's ACL is reset to SYSTEM and Administrators only: Windows has no mode bits,
 * so this is what keeps the device key from other users (agent/identity/key-file.ts relies on it).
 */
import path from "node:path";
import { windowsLogPath, type ServiceLayout } from "./layout.ts";

/** How soon a dead agent is started again (the watchdog trigger's repetition). */
export const RESTART_INTERVAL = "PT1M";
/** Task Scheduler folder the task lives in, so it is easy to find and to scope policies to. */
export const TASK_FOLDER = "\\Facet\\";

export function windowsTaskName(layout: ServiceLayout): string {
  return `${TASK_FOLDER}${layout.serviceName}`;
}

/** The command line the task runs, in Windows' own quoting (what Node's argv parsing undoes). */
export function windowsCommandLine(layout: ServiceLayout): string {
  return [layout.binaryPath, ...windowsTaskArguments(layout)].map(quoteWindowsArg).join(" ");
}

/**
 * The task's stderr goes nowhere, so the agent logs to a rotated file; and since no task setting can
 * skip a restart by exit code, a rejected device disables its own task (service/rejected.ts).
 */
export function windowsTaskArguments(layout: ServiceLayout): string[] {
  return ["run", "--state-dir", layout.stateDir, "--log-file", windowsLogPath(layout.stateDir), "--disable-task-when-rejected", windowsTaskName(layout)];
}

/**
 * Quotes one argument so CommandLineToArgvW and the MSVC runtime (which Node uses) read it back
 * unchanged: backslashes are literal except before a quote, so those before a quote, and trailing
 * ones before the closing quote, are doubled. `C:\ProgramData\Facet\` must not swallow the quote.
 */
export function quoteWindowsArg(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      backslashes++;
      continue;
    }
    if (ch === '"') out += "\\".repeat(backslashes * 2 + 1) + '"';
    else out += "\\".repeat(backslashes) + ch;
    backslashes = 0;
  }
  return out + "\\".repeat(backslashes * 2) + '"';
}

/**
 * The task definition (Task Scheduler schema 1.2, Windows 7 / Server 2008 R2 and later). Written to
 * disk as UTF-16LE with a BOM: schtasks rejects UTF-8 files ("the task XML is malformed").
 */
export function windowsTaskXml(layout: ServiceLayout): string {
  const args = windowsTaskArguments(layout).map(quoteWindowsArg).join(" ");
  return `<?xml version="1.0" encoding="UTF-16"?>
<!-- Installed by \`facet-agent install\` as ${x(windowsTaskName(layout))}; \`facet-agent uninstall\` removes it. -->
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Author>Facet</Author>
    <Description>${x(layout.displayName)}: reports this device's security facts, signed, to the organisation's Facet connector.</Description>
    <Documentation>https://github.com/facet-dev/facet/blob/main/docs/deploy.md</Documentation>
  </RegistrationInfo>
  <Triggers>
    <BootTrigger>
      <Enabled>true</Enabled>
    </BootTrigger>
    <!-- Watchdog: starts the agent again after it exited (IgnoreNew makes it a no-op while it runs). -->
    <TimeTrigger>
      <StartBoundary>2000-01-01T00:00:00</StartBoundary>
      <Repetition>
        <Interval>${RESTART_INTERVAL}</Interval>
        <StopAtDurationEnd>false</StopAtDurationEnd>
      </Repetition>
      <Enabled>true</Enabled>
    </TimeTrigger>
  </Triggers>
  <Principals>
    <!-- S-1-5-18 is LocalSystem in every language; serials, BitLocker and firewall state need it. -->
    <Principal id="LocalSystem">
      <UserId>S-1-5-18</UserId>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <!-- Laptops: the defaults would not start it, and would stop it, on battery. -->
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <!-- The default limit is 72 hours; PT0S means none: the agent runs until shutdown. -->
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <!-- 4 is what a service gets (normal CPU, I/O and memory priority); the default 7 is below normal. -->
    <Priority>4</Priority>
    <!-- Retries when the start itself fails (binary locked during an upgrade, for example). -->
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>3</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="LocalSystem">
    <Exec>
      <Command>${x(quoteWindowsArg(layout.binaryPath))}</Command>
      <Arguments>${x(args)}</Arguments>
      <WorkingDirectory>${x(path.win32.dirname(layout.binaryPath))}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
`;
}

/** SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544) only, by SID so it works in every language. */
export function windowsStateDirAcl(layout: ServiceLayout): string[] {
  return ["icacls.exe", layout.stateDir, "/inheritance:r", "/grant:r", "*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F"];
}

/**
 * What the agent runs on itself when the connector rejects the device: Task Scheduler cannot skip a
 * restart by exit code, so the task is switched off (`install` re-registers it enabled).
 */
export function windowsDisableTaskCommand(taskName: string): string[] {
  return ["schtasks.exe", "/Change", "/TN", taskName, "/DISABLE"];
}

/** Before the binary is replaced: a running agent holds its executable open. */
export function windowsStopCommand(layout: ServiceLayout): string[] {
  return ["schtasks.exe", "/End", "/TN", windowsTaskName(layout)];
}

/** After the task XML is written to layout.definitionPath. `/F` replaces an existing task (upgrade). */
export function windowsInstallCommands(layout: ServiceLayout): string[][] {
  const name = windowsTaskName(layout);
  return [
    ["schtasks.exe", "/Create", "/TN", name, "/XML", layout.definitionPath!, "/F"],
    ["schtasks.exe", "/Run", "/TN", name],
  ];
}

export function windowsUninstallCommands(layout: ServiceLayout): { argv: string[]; allowFailure: boolean }[] {
  const name = windowsTaskName(layout);
  return [
    // Ending a task that is not running fails; deleting it is what matters.
    { argv: windowsStopCommand(layout), allowFailure: true },
    { argv: ["schtasks.exe", "/Delete", "/TN", name, "/F"], allowFailure: false },
  ];
}

/** What an admin runs to see whether the agent is running (Status: Running, Last Result). */
export function windowsQueryCommand(layout: ServiceLayout): string[] {
  return ["schtasks.exe", "/Query", "/TN", windowsTaskName(layout), "/V", "/FO", "LIST"];
}

/** Escapes XML text content (quotes stay readable: they are only special inside attributes). */
function x(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
