/**
 * The systemd unit for the agent. Hardened as far as the probes allow: the agent runs as root
 * because serials (DMI), disk encryption (lsblk over /dev/mapper) and firewall state need it, so the unit
 * takes away what a fact collector never needs instead.
 *
 * Deliberately not set, and why:
 * - MemoryDenyWriteExecute: V8's JIT needs writable+executable pages; Node aborts under it.
 * - PrivateDevices: hides /dev/mapper and block devices, and disk-encryption facts would turn unknown.
 * - ProtectHome=yes: per-user facts (screen lock settings) read dotfiles; read-only is enough.
 */
import type { ServiceLayout } from "./layout.ts";
import { EXIT_DEVICE_REJECTED } from "../errors.ts";

export function systemdUnit(layout: ServiceLayout): string {
  const configDir = layout.configPath.slice(0, layout.configPath.lastIndexOf("/"));
  return `# Installed by \`facet-agent install\`; \`facet-agent uninstall\` removes it.
[Unit]
Description=${layout.displayName}
Documentation=https://github.com/facet-dev/facet/blob/main/docs/deploy.md
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${systemdQuote(layout.binaryPath)} run --state-dir ${systemdQuote(layout.stateDir)}
Restart=on-failure
RestartSec=10s
# A revoked or unknown device exits ${EXIT_DEVICE_REJECTED}: restarting cannot help.
RestartPreventExitStatus=${EXIT_DEVICE_REJECTED}
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths=${systemdQuote(layout.stateDir)} ${systemdQuote(configDir)}
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK

[Install]
WantedBy=multi-user.target
`;
}

/** systemd's own quoting: paths with spaces must be double-quoted, with \\ and " escaped. */
export function systemdQuote(s: string): string {
  if (/^[A-Za-z0-9_./:@+-]+$/.test(s)) return s;
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
