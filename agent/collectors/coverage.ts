/**
 * What each family reads on each OS, and why a cell has no fixture. The coverage matrix
 * (scripts/coverage-matrix.ts) prints this beside what it finds on disk (probe files, fixtures),
 * so a gap is always written down next to the code that has it.
 */
export const FAMILIES = ["hardware", "os", "disks", "network", "security", "software", "users", "groups", "processes"] as const;
export const OSES = ["darwin", "windows", "linux"] as const;
export type CoverageFamily = (typeof FAMILIES)[number];
export type CoverageOs = (typeof OSES)[number];

export const FIXTURE_PREFIX: Record<CoverageOs, RegExp> = {
  darwin: /^macos/,
  windows: /^windows/,
  linux: /^(debian|ubuntu|fedora|rhel|alpine|arch)/,
};

export const METHODS: Record<CoverageFamily, Record<CoverageOs, string>> = {
  hardware: {
    darwin: "systeminformation (ioreg, system_profiler) + node-machine-id",
    windows: "CIM Win32_ComputerSystem/BIOS/ComputerSystemProduct/Processor in the session + node-machine-id",
    linux: "systeminformation (/sys/class/dmi/id, root for serial/uuid) + node-machine-id (requires /etc/machine-id)",
  },
  os: {
    darwin: "sw_vers (RSR suffix kept); InstallHistory.plist via plutil",
    windows: "registry CurrentVersion (build ≥ 22000 ⇒ Windows 11, UBR); Get-HotFix dates, culture-invariant",
    linux: "/etc/os-release, kernel release; dpkg.log or rpm install times; apt-get -s / dnf -C updateinfo (cached)",
  },
  disks: {
    darwin: "diskutil apfs list + diskutil list; fdesetup status as second method",
    windows: "CIM Win32_LogicalDisk + Win32_EncryptableVolume (ProtectionStatus, ConversionStatus)",
    linux: "lsblk -J -b (crypt layers, ESP, rm/hotplug/usb; MOUNTPOINT fallback) + statfs",
  },
  network: {
    darwin: "socketfilterfw global/stealth/block-all, com.apple.alf plist second; route get default; scutil --dns",
    windows: "Get-NetFirewallProfile -PolicyStore ActiveStore; Get-NetRoute; Get-DnsClientServerAddress",
    linux: "nft -j, iptables -S, ufw status, firewall-cmd --state; /proc/net/route; resolv.conf",
  },
  security: {
    darwin: "csrutil, spctl, profiles status, dsconfigad, sysadminctl -screenLock as console user, iBridge/nvram secure boot",
    windows: "Confirm-SecureBootUEFI + SecureBoot\\State registry; Win32_Tpm; SecurityCenter2; PartOfDomain; Enrollments; HKU\\<console SID> screen saver + InactivityTimeoutSecs",
    linux: "efivars SecureBoot (mokutil second); /sys/class/tpm; loginctl + gsettings as seat user; realm list",
  },
  software: {
    darwin: "/Applications Info.plist (plutil for binary plists)",
    windows: "Uninstall registry keys (HKLM, WOW6432Node, every HKU hive)",
    linux: "dpkg-query, rpm second",
  },
  users: { darwin: "dscl . -readall /Users", windows: "Win32_UserAccount LocalAccount=True + Win32_UserProfile", linux: "/etc/passwd" },
  groups: { darwin: "dscl . -list /Groups PrimaryGroupID", windows: "Win32_Group LocalAccount=True", linux: "/etc/group" },
  processes: { darwin: "ps -axww -o pid=,user=,command=", windows: "Win32_Process + Get-Process -IncludeUserName", linux: "/proc/<pid>/{cmdline,status}" },
};

/** Why a cell has no recorded fixture (its parsers are still tested, with inputs marked synthetic). */
export const FIXTURE_GAPS: Partial<Record<CoverageFamily, Partial<Record<CoverageOs, string>>>> = {
  hardware: {
    darwin: "systeminformation parses ioreg itself; Facet's normalisation is tested on the Linux recording",
    windows: "no public recording of these four CIM classes in Format-List form was found; parser tested on synthetic input",
  },
  disks: {
    windows: "no public Format-List recording of Win32_EncryptableVolume/Win32_LogicalDisk found; BitLocker decision tested on values",
  },
  software: {
    darwin: "Info.plist parser tested on a synthetic plist; no public /Applications recording",
    windows: "no public recording of the Uninstall-key Format-List; parser tested on synthetic input",
  },
  users: {
    darwin: "no public `dscl . -readall /Users` recording found; parser tested on synthetic input",
    windows: "no public recording found; parser tested on synthetic input",
  },
  groups: {
    darwin: "no public recording found; parser tested on synthetic input",
    windows: "no public recording found; parser tested on synthetic input",
  },
  processes: {
    darwin: "ps output parser tested on synthetic input",
    windows: "no public recording found; parser tested on synthetic input",
  },
};
