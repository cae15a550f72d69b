/**
 * The launchd daemon for the agent (/Library/LaunchDaemons, runs as root at boot, before login).
 * KeepAlive restarts it after a crash but not after a clean exit. launchd has no equivalent of
 * systemd's RestartPreventExitStatus: SuccessfulExit only tells zero from non-zero. So the daemon
 * runs with `--rejected-exit-code 0`: a revoked or unknown device exits 0 and stays down, while any
 * failure (non-zero exit, a crash signal) is restarted, at most once per ThrottleInterval.
 */
import type { ServiceLayout } from "./layout.ts";

export function launchdPlist(layout: ServiceLayout): string {
  const args = [layout.binaryPath, "run", "--state-dir", layout.stateDir, "--rejected-exit-code", "0"];
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${xml(layout.serviceName)}</string>
  <key>ProgramArguments</key>
  <array>
${args.map((a) => `    <string>${xml(a)}</string>`).join("\n")}
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>60</integer>
  <key>ProcessType</key>
  <string>Background</string>
  <key>Umask</key>
  <integer>63</integer>
  <key>StandardOutPath</key>
  <string>${xml(layout.logPath ?? "/dev/null")}</string>
  <key>StandardErrorPath</key>
  <string>${xml(layout.logPath ?? "/dev/null")}</string>
</dict>
</plist>
`;
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
