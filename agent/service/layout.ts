/**
 * Where an installed agent lives on each OS: the binary, the service definition, the state
 * directory (the same defaults as agent/identity/state-dir.ts for a root/SYSTEM agent) and the
 * unattended-deployment config file that MDM tools drop. A pure function of the platform, so every
 * OS's layout is tested here and docs/deploy.md can quote it.
 */
import path from "node:path";
import { defaultStateDir } from "../identity/state-dir.ts";

export type ServicePlatform = "linux" | "darwin" | "win32";

export interface ServiceLayout {
  platform: ServicePlatform;
  /** systemd unit name, launchd label, or Windows scheduled task name (in the \\Facet\\ folder). */
  serviceName: string;
  displayName: string;
  /** Where `install` copies the running binary. */
  binaryPath: string;
  /** The unit file, plist, or Windows task XML (a copy of what `schtasks /Create /XML` registered). */
  definitionPath?: string;
  stateDir: string;
  configPath: string;
  /** The agent's log file (launchd's StandardErrorPath, or `run --log-file` for the Windows task); journald on Linux. */
  logPath?: string;
}

export const DISPLAY_NAME = "Facet device agent";

export function serviceLayout(platform: ServicePlatform, env: NodeJS.ProcessEnv = {}): ServiceLayout {
  const stateDir = defaultStateDir({ platform, env, isRoot: true, homedir: "/" });
  switch (platform) {
    case "linux":
      return {
        platform, serviceName: "facet-agent", displayName: DISPLAY_NAME,
        binaryPath: "/usr/local/bin/facet-agent",
        definitionPath: "/etc/systemd/system/facet-agent.service",
        stateDir, configPath: "/etc/facet-agent/agent.json",
      };
    case "darwin":
      return {
        platform, serviceName: "dev.facet.agent", displayName: DISPLAY_NAME,
        binaryPath: "/usr/local/bin/facet-agent",
        definitionPath: "/Library/LaunchDaemons/dev.facet.agent.plist",
        stateDir, configPath: "/Library/Application Support/Facet/agent.json",
        logPath: "/Library/Logs/Facet/facet-agent.log",
      };
    case "win32": {
      const programFiles = env.ProgramFiles ?? env.PROGRAMFILES ?? "C:\\Program Files";
      return {
        platform, serviceName: "FacetAgent", displayName: DISPLAY_NAME,
        binaryPath: path.win32.join(programFiles, "Facet", "facet-agent.exe"),
        definitionPath: path.win32.join(programFiles, "Facet", "facet-agent-task.xml"),
        stateDir, configPath: path.win32.join(stateDir, "agent.json"),
        logPath: windowsLogPath(stateDir),
      };
    }
  }
}

/** The Windows task's `run --log-file`: inside the state dir, so it inherits its SYSTEM/Administrators-only ACL. */
export function windowsLogPath(stateDir: string): string {
  return path.win32.join(stateDir, "logs", "facet-agent.log");
}

export function asServicePlatform(p: NodeJS.Platform): ServicePlatform {
  if (p === "linux" || p === "darwin" || p === "win32") return p;
  throw new Error(`installing as a service is supported on Linux, macOS and Windows, not ${p}`);
}
