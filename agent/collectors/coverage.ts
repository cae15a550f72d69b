/**
 * What each probe reads on each OS, which exported function parses it, and — where fewer than two
 * public recordings from real machines back it — why. The coverage matrix
 * (scripts/coverage-matrix.ts, agent/collectors/coverage-scan.ts) puts this beside the fixtures it
 * finds on disk, so a gap is always written down next to the code that has it.
 *
 * A fixture names the probes it feeds in its `#! probe:` header line and says where it came from
 * in its first line, `#! recording: real | own | synthetic — …` (see fixtures.ts).
 */
export const FAMILIES = ["hardware", "os", "disks", "network", "security", "software", "users", "groups", "processes"] as const;
export const OSES = ["darwin", "windows", "linux"] as const;
export type CoverageFamily = (typeof FAMILIES)[number];
export type CoverageOs = (typeof OSES)[number];

/** A fixture file's OS is its name's first word: macos-…, windows-…, or a Linux distribution. */
export const FIXTURE_PREFIX: Record<CoverageOs, RegExp> = {
  darwin: /^macos/,
  windows: /^windows/,
  linux: /^(linux|debian|ubuntu|fedora|rhel|centos|rocky|alma|oracle|amzn|opensuse|sles|alpine|arch|manjaro|mint|pop|kali|raspbian|slackware|nixos|endeavouros)/,
};

/** How many real recordings by others each probe should have, where they exist publicly. */
export const GOAL_REAL = 2;

export interface ProbeSpec {
  /** Unique per OS; fixtures name it in `#! probe:`. */
  id: string;
  family: CoverageFamily;
  os: CoverageOs;
  /** The command, file or API whose output the parser reads. */
  reads: string;
  /** `module#export`, relative to agent/collectors/: the function that parses it. */
  parser: string;
  /** Why fewer than GOAL_REAL real recordings back this probe (required when that is so). */
  gap?: string;
}

const FACET_SCRIPT = "the text is printed by Facet's own PowerShell script (a pscustomobject with Facet's property names), so no one else has recorded it";

export const PROBES: ProbeSpec[] = [
  // hardware
  { id: "systeminformation", family: "hardware", os: "darwin", reads: "systeminformation system()/cpu()/mem() (ioreg, system_profiler SPHardwareDataType)", parser: "hardware/normalize.ts#modelOf",
    gap: "Facet reads systeminformation's result, not ioreg; searched its issue threads: Mac reports quote single fields (a model identifier), no whole si.system() result" },
  { id: "cim-hardware", family: "hardware", os: "windows", reads: "Get-CimInstance Win32_ComputerSystem/Win32_BIOS/Win32_ComputerSystemProduct/Win32_Processor | Format-List", parser: "hardware/windows.ts#parseWindowsHardware" },
  { id: "proc-cpuinfo", family: "hardware", os: "linux", reads: "/proc/cpuinfo (the hypervisor flag), beside systemd-detect-virt, DMI and container markers", parser: "hardware/virtual.ts#cpuinfoSaysHypervisor",
    gap: "cpuinfo is usually pasted without its flags line or as lscpu; one physical machine's full flags line found, the guest's is Facet's own" },
  { id: "systeminformation", family: "hardware", os: "linux", reads: "systeminformation system()/cpu()/mem() (/sys/class/dmi/id)", parser: "hardware/normalize.ts#modelOf",
    gap: "Facet reads systeminformation's result; one whole si.system() from a physical Linux desktop found in its issue threads, others show single fields" },
  // os
  { id: "sw_vers", family: "os", os: "darwin", reads: "sw_vers", parser: "os/darwin.ts#parseSwVers" },
  { id: "install-history", family: "os", os: "darwin", reads: "plutil -convert xml1 -o - /Library/Receipts/InstallHistory.plist", parser: "os/darwin.ts#parseInstallHistory" },
  { id: "currentversion", family: "os", os: "windows", reads: "Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion' | Format-List", parser: "os/windows.ts#parseWindowsVersion" },
  { id: "hotfix-date", family: "os", os: "windows", reads: "Get-HotFix, newest InstalledOn printed as yyyy-MM-dd", parser: "os/windows.ts#parseHotfixDate",
    gap: "the date is formatted by Facet's script (culture-invariant yyyy-MM-dd), so the output is Facet's own format" },
  { id: "os-release", family: "os", os: "linux", reads: "/etc/os-release", parser: "os/linux.ts#parseOsRelease" },
  { id: "dpkg-log", family: "os", os: "linux", reads: "/var/log/dpkg.log", parser: "os/linux.ts#parseDpkgLogLastUpgrade" },
  { id: "rpm-installtime", family: "os", os: "linux", reads: "rpm -qa --qf '%{INSTALLTIME}\\n'", parser: "os/linux.ts#parseRpmInstallTimes" },
  { id: "apt-get-s-upgrade", family: "os", os: "linux", reads: "apt-get -s upgrade", parser: "os/linux.ts#parseAptSimulation" },
  { id: "dnf-updateinfo-security", family: "os", os: "linux", reads: "dnf -C -q updateinfo list --security --available", parser: "os/linux.ts#parseDnfSecurityList" },
  // disks
  { id: "diskutil-apfs-list", family: "disks", os: "darwin", reads: "diskutil apfs list", parser: "disks/darwin.ts#parseApfsList" },
  { id: "diskutil-list", family: "disks", os: "darwin", reads: "diskutil list", parser: "disks/darwin.ts#parseDiskutilList" },
  { id: "fdesetup-status", family: "disks", os: "darwin", reads: "fdesetup status", parser: "disks/darwin.ts#parseFdesetupStatus" },
  { id: "win32-logicaldisk", family: "disks", os: "windows", reads: "Get-CimInstance Win32_LogicalDisk | Format-List", parser: "disks/windows.ts#parseLogicalDisks" },
  { id: "win32-encryptablevolume", family: "disks", os: "windows", reads: "Get-CimInstance -Namespace root\\cimv2\\Security\\MicrosoftVolumeEncryption Win32_EncryptableVolume | Format-List", parser: "disks/windows.ts#parseEncryptableVolumes" },
  { id: "lsblk-json", family: "disks", os: "linux", reads: "lsblk -J -b -o NAME,PATH,TYPE,… (util-linux < 2.33: -p -o NAME,TYPE,…)", parser: "disks/linux.ts#parseLsblk" },
  // network
  { id: "socketfilterfw-globalstate", family: "network", os: "darwin", reads: "socketfilterfw --getglobalstate", parser: "network/darwin.ts#parseGlobalState" },
  { id: "socketfilterfw-stealthmode", family: "network", os: "darwin", reads: "socketfilterfw --getstealthmode", parser: "network/darwin.ts#parseStealthMode" },
  { id: "socketfilterfw-blockall", family: "network", os: "darwin", reads: "socketfilterfw --getblockall", parser: "network/darwin.ts#parseBlockAll" },
  { id: "alf-globalstate", family: "network", os: "darwin", reads: "defaults read /Library/Preferences/com.apple.alf globalstate", parser: "network/darwin.ts#parseAlfGlobalState" },
  { id: "route-get-default", family: "network", os: "darwin", reads: "route -n get default", parser: "network/darwin.ts#parseRouteGetDefault" },
  { id: "scutil-dns", family: "network", os: "darwin", reads: "scutil --dns", parser: "network/darwin.ts#parseScutilDns" },
  { id: "netfirewallprofile", family: "network", os: "windows", reads: "Get-NetFirewallProfile | Format-List", parser: "network/windows.ts#parseFirewallProfiles" },
  { id: "route-dns", family: "network", os: "windows", reads: "Get-NetRoute 0.0.0.0/0 | Format-List NextHop; Get-DnsClientServerAddress | Format-List", parser: "network/windows.ts#parseRouteAndDns" },
  { id: "proc-net-route", family: "network", os: "linux", reads: "/proc/net/route", parser: "network/linux.ts#parseProcNetRoute" },
  { id: "resolv-conf", family: "network", os: "linux", reads: "/etc/resolv.conf", parser: "network/linux.ts#parseResolvConf" },
  { id: "nft-json", family: "network", os: "linux", reads: "nft -j list ruleset", parser: "network/linux.ts#parseNftRuleset" },
  { id: "iptables-s", family: "network", os: "linux", reads: "iptables -S", parser: "network/linux.ts#parseIptablesInput" },
  { id: "ufw-status", family: "network", os: "linux", reads: "ufw status", parser: "network/linux.ts#parseUfwStatus" },
  { id: "firewall-cmd-state", family: "network", os: "linux", reads: "firewall-cmd --state", parser: "network/linux.ts#parseFirewalldState" },
  // security
  { id: "csrutil-status", family: "security", os: "darwin", reads: "csrutil status", parser: "security/darwin.ts#parseCsrutilStatus" },
  { id: "spctl-status", family: "security", os: "darwin", reads: "spctl --status", parser: "security/darwin.ts#parseSpctlStatus" },
  { id: "profiles-enrollment", family: "security", os: "darwin", reads: "profiles status -type enrollment", parser: "security/darwin.ts#parseProfilesEnrollment" },
  { id: "dsconfigad-show", family: "security", os: "darwin", reads: "dsconfigad -show", parser: "security/darwin.ts#parseDsconfigadShow" },
  { id: "sysadminctl-screenlock", family: "security", os: "darwin", reads: "sysadminctl -screenLock status (stderr)", parser: "security/darwin.ts#parseSysadminctlScreenLock" },
  { id: "spibridge", family: "security", os: "darwin", reads: "system_profiler SPiBridgeDataType", parser: "security/darwin.ts#parseIBridge" },
  { id: "nvram-secureboot-policy", family: "security", os: "darwin", reads: "nvram 94b73556-2197-4702-82a8-3e1337dafbfb:AppleSecureBootPolicy", parser: "security/darwin.ts#parseSecureBootPolicy" },
  { id: "console-user", family: "security", os: "darwin", reads: "stat -f %Su /dev/console", parser: "security/darwin.ts#parseConsoleUser",
    gap: "the output is one user name; there is no shape to record beyond `root` at the login window" },
  { id: "secure-boot", family: "security", os: "windows", reads: "Confirm-SecureBootUEFI + SecureBoot\\State registry, as Facet's pscustomobject", parser: "security/windows.ts#parseSecureBoot", gap: FACET_SCRIPT },
  { id: "win32-tpm", family: "security", os: "windows", reads: "Get-CimInstance -Namespace root\\cimv2\\Security\\MicrosoftTpm Win32_Tpm | Format-List", parser: "security/windows.ts#parseTpm" },
  { id: "antivirusproduct", family: "security", os: "windows", reads: "Get-CimInstance -Namespace root\\SecurityCenter2 AntiVirusProduct | Format-List", parser: "security/windows.ts#parseAntivirus" },
  { id: "domain-mdm", family: "security", os: "windows", reads: "Win32_ComputerSystem | Format-List PartOfDomain,Domain + Enrollments count", parser: "security/windows.ts#parseDomainAndMdm" },
  { id: "screen-lock", family: "security", os: "windows", reads: "console user's HKU Control Panel\\Desktop + InactivityTimeoutSecs, as Facet's pscustomobject", parser: "security/windows.ts#parseWindowsScreenLock", gap: FACET_SCRIPT },
  { id: "efivar-secureboot", family: "security", os: "linux", reads: "/sys/firmware/efi/efivars/SecureBoot-8be4df61-… (5 bytes)", parser: "security/linux.ts#parseSecureBootEfivar" },
  { id: "mokutil-sb-state", family: "security", os: "linux", reads: "mokutil --sb-state", parser: "security/linux.ts#parseMokutilSbState" },
  { id: "loginctl-sessions", family: "security", os: "linux", reads: "loginctl list-sessions --no-legend", parser: "security/linux.ts#parseLoginctlSessions" },
  { id: "gsettings", family: "security", os: "linux", reads: "gsettings get org.gnome.desktop.screensaver lock-enabled / org.gnome.desktop.session idle-delay", parser: "security/linux.ts#parseGsettingsUint" },
  { id: "realm-list", family: "security", os: "linux", reads: "realm list", parser: "security/linux.ts#parseRealmList" },
  // software
  { id: "info-plist", family: "software", os: "darwin", reads: "/Applications/*.app/Contents/Info.plist (XML, or plutil -convert xml1)", parser: "software/darwin.ts#parseInfoPlist" },
  { id: "uninstall-registry", family: "software", os: "windows", reads: "Get-ItemProperty HKLM/HKU …\\Uninstall\\* | Format-List", parser: "software/windows.ts#parseUninstallEntries" },
  { id: "dpkg-query", family: "software", os: "linux", reads: "dpkg-query -W -f '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'", parser: "software/linux.ts#parseDpkgQuery",
    gap: "the tab-separated format string is Facet's own; public recordings use other -f formats or `dpkg -l`" },
  { id: "rpm-qa", family: "software", os: "linux", reads: "rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n'", parser: "software/linux.ts#parseRpmQuery",
    gap: "the tab-separated query format is Facet's own; public recordings use the default NEVRA form" },
  // users
  { id: "dscl-readall-users", family: "users", os: "darwin", reads: "dscl . -readall /Users UniqueID RealName NFSHomeDirectory RecordName", parser: "users/darwin.ts#usersFromDscl" },
  { id: "win32-useraccount", family: "users", os: "windows", reads: "Win32_UserAccount LocalAccount=True (+ Win32_UserProfile home) | Format-List SID,Name,FullName,Home", parser: "users/windows.ts#parseWindowsUsers" },
  { id: "passwd", family: "users", os: "linux", reads: "/etc/passwd", parser: "users/linux.ts#parsePasswd" },
  // groups
  { id: "dscl-list-groups", family: "groups", os: "darwin", reads: "dscl . -list /Groups PrimaryGroupID", parser: "groups/darwin.ts#parseDsclGroupList" },
  { id: "win32-group", family: "groups", os: "windows", reads: "Get-CimInstance Win32_Group -Filter LocalAccount=True | Format-List SID,Name", parser: "groups/windows.ts#parseWindowsGroups" },
  { id: "group", family: "groups", os: "linux", reads: "/etc/group", parser: "groups/linux.ts#parseGroupFile" },
  // processes
  { id: "ps", family: "processes", os: "darwin", reads: "ps -axww -o pid=,user=,command=", parser: "processes/darwin.ts#parsePsOutput" },
  { id: "win32-process", family: "processes", os: "windows", reads: "Win32_Process + Get-Process -IncludeUserName, as Facet's pscustomobject Id,Name,User", parser: "processes/windows.ts#parseWindowsProcesses", gap: FACET_SCRIPT },
  { id: "proc-status", family: "processes", os: "linux", reads: "/proc/<pid>/status", parser: "processes/linux.ts#parseStatusUid" },
  { id: "proc-cmdline", family: "processes", os: "linux", reads: "/proc/<pid>/cmdline (NUL-separated)", parser: "processes/linux.ts#parseCmdline" },
];

/**
 * Why a probe has fewer than GOAL_REAL real recordings, where the reason is the search rather than
 * the probe's nature (those reasons sit on the probe in PROBES). Keyed `family/os/id`.
 */
export const GAPS: Record<string, string> = {
  "os/linux/dpkg-log": "threads paste apt's console output, not dpkg.log; plaso's dpkg.log test file has no upgrade line",
  "os/linux/rpm-installtime": "the output is bare epoch seconds that nobody publishes on their own; Facet's query format",
  "os/linux/apt-get-s-upgrade": "threads paste `apt list --upgradable` or the real upgrade's summary, not the simulation's Inst lines; one (grep-filtered) simulation found",
  "disks/darwin/fdesetup-status": "issue threads paraphrase fdesetup (\"FileVault is On. Institutional key\") rather than paste it; one verbatim recording found",
  "disks/windows/win32-encryptablevolume": "searched the code corpus for Win32_EncryptableVolume Format-List transcripts: only scripts reading ConversionStatus, no recorded output",
  "network/darwin/alf-globalstate": "a single digit (0/1/2); the plist is gone on macOS 15, and no transcript was found",
  "network/darwin/route-get-default": "issue threads show `route -n get default | grep gateway` rather than the whole output; one whole transcript found",
  "network/windows/route-dns": "Get-NetRoute/Get-DnsClientServerAddress are shown as tables; the list-view transcripts found were \"expected result\" text, not recordings",
  "network/linux/nft-json": "`nft -j` output is rarely published (issues paste the text form `nft list ruleset`); one recording found (kolide/launcher)",
  "network/linux/firewall-cmd-state": "one word on stdout; threads quote it inline or paste `systemctl status firewalld` instead; one quoted answer found",
  "security/darwin/dsconfigad-show": "searched issue threads for `dsconfigad -show` transcripts of a bound Mac (\"Active Directory Forest\"): none; the output names a company's directory, which people redact rather than paste",
  "security/darwin/sysadminctl-screenlock": "threads discuss setting the delay; one status transcript found (existing fixture)",
  "security/darwin/spibridge": "one whole transcript found (a 2018 MacBook Pro); T2 Macs ended in 2020",
  "security/darwin/nvram-secureboot-policy": "searched threads and Jamf/MunkiReport material: they show the script that reads AppleSecureBootPolicy, not its output; T2 Macs ended in 2020",
  "security/windows/win32-tpm": "transcripts found were one OSDeploy comment block (copied across its modules) and a script's help example with invented host names (not used)",
  "security/linux/gsettings": "gsettings values are pasted one at a time in threads; one whole desktop recording found (kolide/launcher)",
  "security/linux/realm-list": "searched for `realm list` transcripts of a joined machine: none; it names the company's domain",
  "software/darwin/info-plist": "Info.plists published with a repository are source templates (${PRODUCT_NAME}); one installed app's file found (Avast, in vendor-style documentation)",
  "users/darwin/dscl-readall-users": "searched threads for dscl user records: only single attributes (`UserShell: /bin/bash`) are pasted; a whole -readall would publish every account on the Mac",
  "users/linux/passwd": "people redact /etc/passwd of real machines; one Ubuntu base-files copy found (an image's file, not a desktop's)",
  "groups/darwin/dscl-list-groups": "searched threads for `dscl . -list /Groups PrimaryGroupID`: tools show their own tables of the groups instead",
  "groups/windows/win32-group": "searched for Format-List transcripts (`SID : S-1-5-32-544`): Win32_Group prints as a table by default, and no list-view recording was found",
  "groups/linux/group": "as for /etc/passwd: one Ubuntu base-files copy found",
  "processes/darwin/ps": "macOS transcripts use `ps -ef`/`ps aux` columns; Facet's headerless `-o pid=,user=,command=` form was not found",
  "processes/linux/proc-status": "threads paste grep'd fragments (Cap*, Seccomp) of /proc/<pid>/status, without the Uid line this probe reads",
};
