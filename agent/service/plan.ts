/**
 * Install and uninstall as plans: a list of steps (write a file, copy the binary, run a command)
 * computed by pure functions, then either printed (`--dry-run`) or carried out. What the dry run
 * prints is the very list that would be executed, so it cannot drift from what install does.
 * Commands are argument vectors, never shell strings.
 */
import { chmodSync, copyFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { ServiceLayout } from "./layout.ts";
import { launchdPlist } from "./launchd.ts";
import { systemdUnit } from "./systemd.ts";
import { windowsInstallCommands, windowsQueryCommand, windowsStateDirAcl, windowsStopCommand, windowsTaskXml, windowsUninstallCommands } from "./windows.ts";
import { ensureDirectory } from "../ensure-dir.ts";

export type Step =
  | { kind: "mkdir"; path: string; mode: number }
  | { kind: "copy"; from: string; to: string; mode: number }
  /** `utf16le-bom`: what schtasks /XML insists on; utf8 otherwise. */
  | { kind: "write"; path: string; mode: number; content: string; encoding?: "utf8" | "utf16le-bom" }
  | { kind: "remove"; path: string; recursive?: boolean }
  | { kind: "run"; argv: string[]; allowFailure?: boolean }
  /** Enroll into the state dir: after the dir is secured and the binary is in place, before the service exists. */
  | { kind: "enroll"; url: string; stateDir: string };

export interface InstallInputs {
  layout: ServiceLayout;
  /** Connector URL to enroll with; omitted when the device is already enrolled. */
  enrollUrl?: string;
  /** The executable to install (the running single-file agent). */
  sourceBinary: string;
}

export function installPlan({ layout, sourceBinary, enrollUrl }: InstallInputs): Step[] {
  const steps: Step[] = [{ kind: "mkdir", path: layout.stateDir, mode: 0o700 }];
  // Windows has no mode bits: lock the directory before the key is written into it.
  if (layout.platform === "win32") steps.push({ kind: "run", argv: windowsStateDirAcl(layout) });
  const pathOf = layout.platform === "win32" ? path.win32 : path.posix;
  steps.push({ kind: "mkdir", path: pathOf.dirname(layout.binaryPath), mode: 0o755 });
  // A running agent keeps its .exe open, so an upgrade stops it first (fails harmlessly on a first install).
  if (layout.platform === "win32") steps.push({ kind: "run", argv: windowsStopCommand(layout), allowFailure: true });
  if (sourceBinary !== layout.binaryPath) steps.push({ kind: "copy", from: sourceBinary, to: layout.binaryPath, mode: 0o755 });
  if (enrollUrl !== undefined) steps.push({ kind: "enroll", url: enrollUrl, stateDir: layout.stateDir });
  switch (layout.platform) {
    case "linux":
      steps.push(
        // The unit names the config directory in ReadWritePaths=; systemd refuses to start a unit whose path is missing.
        { kind: "mkdir", path: pathOf.dirname(layout.configPath), mode: 0o755 },
        { kind: "write", path: layout.definitionPath!, mode: 0o644, content: systemdUnit(layout) },
        { kind: "run", argv: ["systemctl", "daemon-reload"] },
        { kind: "run", argv: ["systemctl", "enable", "--now", `${layout.serviceName}.service`] },
        // `enable --now` returns once the start job is queued; this fails the install when the service did not come up.
        { kind: "run", argv: ["systemctl", "is-active", `${layout.serviceName}.service`] },
      );
      break;
    case "darwin":
      steps.push(
        { kind: "mkdir", path: pathOf.dirname(layout.logPath!), mode: 0o755 },
        { kind: "write", path: layout.definitionPath!, mode: 0o644, content: launchdPlist(layout) },
        { kind: "run", argv: ["launchctl", "bootstrap", "system", layout.definitionPath!] },
        { kind: "run", argv: ["launchctl", "enable", `system/${layout.serviceName}`] },
      );
      break;
    case "win32":
      steps.push({ kind: "write", path: layout.definitionPath!, mode: 0o644, content: windowsTaskXml(layout), encoding: "utf16le-bom" });
      for (const argv of windowsInstallCommands(layout)) steps.push({ kind: "run", argv });
      break;
  }
  return steps;
}

/** What an admin runs to see whether the installed agent is running. */
export function serviceStatusCommand(layout: ServiceLayout): string[] {
  switch (layout.platform) {
    case "linux": return ["systemctl", "status", `${layout.serviceName}.service`];
    case "darwin": return ["launchctl", "print", `system/${layout.serviceName}`];
    case "win32": return windowsQueryCommand(layout);
  }
}

/** Where the installed agent's log is: journald on Linux, a file elsewhere (rotated copies beside the Windows one). */
export function serviceLogLocation(layout: ServiceLayout): string {
  switch (layout.platform) {
    case "linux": return `journalctl -u ${layout.serviceName}.service`;
    case "darwin": return layout.logPath!;
    case "win32": return `${layout.logPath!} (older: ${layout.logPath!}.1 … .5)`;
  }
}

export interface UninstallInputs {
  layout: ServiceLayout;
  /** Also remove the device key, state and the unattended config file. */
  purge: boolean;
  /** The running binary: Windows cannot delete it while it runs. */
  runningBinary: string;
}

export function uninstallPlan({ layout, purge, runningBinary }: UninstallInputs): Step[] {
  const steps: Step[] = [];
  switch (layout.platform) {
    case "linux":
      steps.push(
        { kind: "run", argv: ["systemctl", "disable", "--now", `${layout.serviceName}.service`], allowFailure: true },
        { kind: "remove", path: layout.definitionPath! },
        { kind: "run", argv: ["systemctl", "daemon-reload"] },
      );
      break;
    case "darwin":
      steps.push(
        { kind: "run", argv: ["launchctl", "bootout", `system/${layout.serviceName}`], allowFailure: true },
        { kind: "remove", path: layout.definitionPath! },
      );
      break;
    case "win32":
      for (const c of windowsUninstallCommands(layout)) steps.push({ kind: "run", argv: c.argv, allowFailure: c.allowFailure });
      steps.push({ kind: "remove", path: layout.definitionPath! });
      break;
  }
  if (!(layout.platform === "win32" && sameFile(runningBinary, layout.binaryPath))) steps.push({ kind: "remove", path: layout.binaryPath });
  if (purge) {
    steps.push({ kind: "remove", path: layout.stateDir, recursive: true }, { kind: "remove", path: layout.configPath });
  }
  return steps;
}

function sameFile(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The dry-run text: every step, with the full content of each file that would be written. */
export function describePlan(steps: Step[]): string {
  const out: string[] = [];
  for (const s of steps) {
    switch (s.kind) {
      case "mkdir":
        out.push(`mkdir -p -m ${mode(s.mode)} ${q(s.path)}`);
        break;
      case "copy":
        out.push(`install -m ${mode(s.mode)} ${q(s.from)} ${q(s.to)}`);
        break;
      case "write":
        out.push(`write ${q(s.path)} (mode ${mode(s.mode)}${s.encoding === "utf16le-bom" ? ", UTF-16LE with BOM" : ""}):`, ...s.content.trimEnd().split("\n").map((l) => `    ${l}`));
        break;
      case "remove":
        out.push(`${s.recursive ? "rm -rf" : "rm -f"} ${q(s.path)}`);
        break;
      case "run":
        out.push(`run ${s.argv.map(q).join(" ")}${s.allowFailure ? "   (failure ignored)" : ""}`);
        break;
      case "enroll":
        out.push(`enroll with ${s.url} into ${q(s.stateDir)} (key 0600; the token is not shown)`);
        break;
    }
  }
  return out.join("\n") + "\n";
}

function mode(m: number): string {
  return m.toString(8).padStart(4, "0");
}

function q(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function encodeContent(content: string, encoding: "utf8" | "utf16le-bom" = "utf8"): Buffer {
  if (encoding === "utf8") return Buffer.from(content, "utf8");
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(content, "utf16le")]);
}

export interface Executor {
  /** May return a promise, which the plan awaits (the agent's certificate installs run while its session stays alive). */
  run(argv: string[]): void;
  enroll?(step: { url: string; stateDir: string }): Promise<void>;
}

export const realExecutor: Executor = {
  run(argv) {
    const [cmd, ...args] = argv;
    execFileSync(cmd!, args, { stdio: ["ignore", "inherit", "inherit"], windowsHide: true });
  },
};

export async function executePlan(steps: Step[], exec: Executor = realExecutor, log: (line: string) => void = () => {}): Promise<void> {
  for (const s of steps) {
    switch (s.kind) {
      case "mkdir":
        ensureDirectory(s.path, { what: "a directory of the service", code: "config_invalid", mustBeWritable: true, mode: s.mode });
        break;
      case "copy": {
        // Copy beside, then rename: replacing a running binary in place would corrupt it (ETXTBSY).
        const tmp = `${s.to}.new`;
        copyFileSync(s.from, tmp);
        chmodSync(tmp, s.mode);
        renameSync(tmp, s.to);
        break;
      }
      case "write":
        writeFileSync(s.path, encodeContent(s.content, s.encoding), { mode: s.mode });
        chmodSync(s.path, s.mode);
        break;
      case "remove":
        rmSync(s.path, { force: true, recursive: s.recursive ?? false });
        break;
      case "run":
        try {
          await exec.run(s.argv);
        } catch (err) {
          if (!s.allowFailure) throw new Error(`\`${s.argv.join(" ")}\` failed: ${(err as Error).message}`, { cause: err });
          log(`ignored: \`${s.argv.join(" ")}\` failed`);
        }
        break;
      case "enroll":
        if (!exec.enroll) throw new Error("this plan enrolls but no enroll step was provided");
        await exec.enroll(s);
        break;
    }
  }
}
