/**
 * security (Facet): screen_lock, secure_boot, tpm_present / secure_enclave_present, macOS SIP and
 * Gatekeeper, Windows antivirus from Security Center, mdm_enrolled, domain_joined. Keys that do not
 * apply to an OS (SIP on Windows) are left out rather than reported null.
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import type { Collector, FamilyResult } from "../types.ts";
import type { SecurityFacts } from "../../../shared/facts/schema.ts";
import { Unknowns, errorMessage, known, runsAsRoot, unknown, type Probe, type ProbeContext } from "../probe.ts";
import type { RunResult } from "../runner/run.ts";
import {
  SECURE_BOOT_EFIVAR, parseGsettingsBool, parseGsettingsUint, parseLoginctlSessions, parseMokutilSbState, parseRealmList, parseSecureBootEfivar,
} from "./linux.ts";
import {
  parseConsoleUser, parseCsrutilStatus, parseDsconfigadShow, parseIBridge, parseProfilesEnrollment, parseSecureBootPolicy, parseSpctlStatus,
  parseSysadminctlScreenLock,
} from "./darwin.ts";
import {
  WINDOWS_ANTIVIRUS_SCRIPT, WINDOWS_DOMAIN_MDM_SCRIPT, WINDOWS_SCREEN_LOCK_SCRIPT, WINDOWS_SECURE_BOOT_SCRIPT, WINDOWS_TPM_SCRIPT,
  parseAntivirus, parseDomainAndMdm, parseSecureBoot, parseTpm, parseWindowsScreenLock,
} from "./windows.ts";

type ScreenLock = NonNullable<SecurityFacts["screen_lock"]>;

/** Some tools answer through stdout *and* a non-zero exit (spctl, csrutil on some versions). */
const answer = <T>(r: RunResult, parse: (s: string) => Probe<T>, useStderr = false): Probe<T> => {
  const text = r.ok ? r.stdout + (useStderr ? r.stderr : "") : `${r.stdout ?? ""}${useStderr ? r.stderr ?? "" : ""}`;
  const p = parse(text);
  if (p.ok || r.ok) return p;
  return unknown(r.reason);
};

/** `mokutil --sb-state`'s answer, on stdout or (exit 255, firmware without Secure Boot) on stderr. */
export function mokutilSecureBoot(r: RunResult): Probe<boolean> {
  return answer(r, parseMokutilSbState, true);
}

async function linuxSecureBoot(ctx: ProbeContext): Promise<Probe<boolean>> {
  try {
    return parseSecureBootEfivar(await readFile(SECURE_BOOT_EFIVAR));
  } catch (error) {
    const mok = await ctx.run(["mokutil", "--sb-state"]);
    const second = mokutilSecureBoot(mok);
    if (second.ok) return second;
    const efi = await ctx.exists("/sys/firmware/efi");
    return unknown(efi
      ? `${SECURE_BOOT_EFIVAR}: ${errorMessage(error)}; ${second.reason}`
      : `no /sys/firmware/efi: legacy BIOS boot, or firmware not visible in this container; ${second.reason}`);
  }
}

async function linuxScreenLock(ctx: ProbeContext): Promise<Probe<ScreenLock>> {
  const sessions = await ctx.run(["loginctl", "list-sessions", "--no-legend"]);
  if (!sessions.ok) return unknown(`no graphical session found: ${sessions.reason}`);
  const parsed = parseLoginctlSessions(sessions.stdout);
  if (!parsed.ok) return parsed;
  const seat = parsed.value.find((s) => s.seat !== null);
  if (!seat) return unknown("no user session on a seat (headless): screen lock does not apply");
  const asUser = (args: string[]) => {
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=/run/user/${seat.uid}/bus`, LC_ALL: "C" };
    const runAs = runsAsRoot(ctx) && seat.uid !== 0 ? ["runuser", "-u", seat.user, "--", ...args] : args;
    return ctx.run(runAs, { env });
  };
  const [lock, idle] = await Promise.all([
    asUser(["gsettings", "get", "org.gnome.desktop.screensaver", "lock-enabled"]),
    asUser(["gsettings", "get", "org.gnome.desktop.session", "idle-delay"]),
  ]);
  const enabled = answer(lock, parseGsettingsBool);
  const delay = answer(idle, parseGsettingsUint);
  if (!enabled.ok) return unknown(`${seat.user}: ${enabled.reason}`);
  // idle-delay 0 means the screen never blanks, so it never locks on its own.
  return known({ enabled: enabled.value && (!delay.ok || delay.value > 0), idle_timeout_seconds: delay.ok ? delay.value : null, types: null });
}

async function collectLinux(ctx: ProbeContext, u: Unknowns): Promise<SecurityFacts> {
  const [secureBoot, screenLock, tpmDir, realm, sssd] = await Promise.all([
    linuxSecureBoot(ctx),
    linuxScreenLock(ctx),
    ctx.exists("/sys/class/tpm/tpm0"),
    ctx.run(["realm", "list"]),
    ctx.exists("/etc/sssd/sssd.conf"),
  ]);
  const tpmClass = await ctx.exists("/sys/class/tpm");
  const container = await ctx.exists("/.dockerenv") || await ctx.exists("/run/.containerenv");
  const tpm: Probe<boolean> = tpmDir ? known(true)
    : container ? unknown("in a container: the host's TPM is not visible")
    : tpmClass ? known(false) : unknown("no /sys/class/tpm: kernel without TPM support or sysfs not mounted");
  const domain: Probe<boolean> = realm.ok ? parseRealmList(realm.stdout)
    // Without realmd there is no one place that knows (winbind, adcli or a keytab can join too), so absence is not "false".
    : sssd ? unknown(`sssd is configured but ${realm.reason}`) : unknown(`${realm.reason}: no realmd to ask whether the machine is joined`);
  const lock = u.take("screen_lock", screenLock);
  if (lock && lock.idle_timeout_seconds === null) u.set("screen_lock.idle_timeout_seconds", "gsettings idle-delay not readable");
  if (lock) u.set("screen_lock.types", "authentication methods are not readable from GNOME settings");
  return {
    screen_lock: lock,
    secure_boot: u.take("secure_boot", secureBoot),
    tpm_present: u.take("tpm_present", tpm),
    domain_joined: u.take("domain_joined", domain),
  };
}

async function collectDarwin(ctx: ProbeContext, u: Unknowns): Promise<SecurityFacts> {
  const [csr, spctl, profiles, ds, consoleUser] = await Promise.all([
    ctx.run(["csrutil", "status"]),
    ctx.run(["spctl", "--status"]),
    ctx.run(["profiles", "status", "-type", "enrollment"]),
    ctx.run(["dsconfigad", "-show"]),
    ctx.run(["stat", "-f", "%Su", "/dev/console"]),
  ]);
  const appleSilicon = os.arch() === "arm64";
  let enclave: Probe<boolean> = known(true);
  let secureBoot: Probe<boolean> = unknown("Apple silicon boot policy is only readable with bputil, which needs an interactive admin");
  if (!appleSilicon) {
    const bridge = await ctx.run(["system_profiler", "SPiBridgeDataType"], { timeoutMs: 8000 });
    const t2 = answer(bridge, parseIBridge);
    enclave = t2.ok ? known(t2.value.t2) : t2;
    if (t2.ok && t2.value.t2) {
      const policy = answer(await ctx.run(["nvram", "94b73556-2197-4702-82a8-3e1337dafbfb:AppleSecureBootPolicy"]), parseSecureBootPolicy);
      secureBoot = policy.ok ? known(policy.value.level !== "none") : policy;
    } else if (t2.ok) secureBoot = known(false); // Intel Macs without T2 have no secure boot
    else secureBoot = t2;
  }
  const user = answer(consoleUser, parseConsoleUser);
  let screenLock: Probe<ScreenLock>;
  if (!user.ok) screenLock = user;
  else if (user.value === null) screenLock = unknown("no user at the console (login window)");
  else {
    const uid = await ctx.run(["id", "-u", user.value]);
    const wrap = (args: string[]) => (runsAsRoot(ctx) && uid.ok ? ["launchctl", "asuser", uid.stdout.trim(), "sudo", "-u", user.value!, ...args] : args);
    const [status, idle] = await Promise.all([
      ctx.run(wrap(["sysadminctl", "-screenLock", "status"])),
      ctx.run(wrap(["defaults", "-currentHost", "read", "com.apple.screensaver", "idleTime"])),
    ]);
    const s = answer(status, parseSysadminctlScreenLock, true);
    const idleSeconds = idle.ok && /^\d+$/.test(idle.stdout.trim()) ? Number(idle.stdout.trim()) : null;
    screenLock = s.ok
      ? known({ enabled: s.value.enabled && idleSeconds !== 0, idle_timeout_seconds: idleSeconds === null ? null : idleSeconds + (s.value.delaySeconds ?? 0), types: null })
      : s;
  }
  const mdm = answer(profiles, parseProfilesEnrollment);
  const lock = u.take("screen_lock", screenLock);
  if (lock && lock.idle_timeout_seconds === null) u.set("screen_lock.idle_timeout_seconds", "com.apple.screensaver idleTime not set for the console user");
  if (lock) u.set("screen_lock.types", "Touch ID use for unlock is not readable without the user's keychain");
  return {
    screen_lock: lock,
    secure_boot: u.take("secure_boot", secureBoot),
    secure_enclave_present: u.take("secure_enclave_present", enclave),
    sip_enabled: u.take("sip_enabled", answer(csr, parseCsrutilStatus)),
    gatekeeper_enabled: u.take("gatekeeper_enabled", answer(spctl, parseSpctlStatus)),
    mdm_enrolled: u.take("mdm_enrolled", mdm.ok ? known(mdm.value.mdm) : mdm),
    domain_joined: u.take("domain_joined", answer(ds, parseDsconfigadShow)),
  };
}

async function collectWindows(ctx: ProbeContext, u: Unknowns): Promise<SecurityFacts> {
  const ps = async <T>(script: string, parse: (s: string) => Probe<T>): Promise<Probe<T>> => {
    const r = await ctx.powershell(script);
    if (r.ok) return parse(r.stdout);
    return unknown(/access (is )?denied/i.test(r.reason) ? `${r.reason} (needs Administrator)` : r.reason);
  };
  const secureBoot = await ps(WINDOWS_SECURE_BOOT_SCRIPT, parseSecureBoot);
  const tpm = await ps(WINDOWS_TPM_SCRIPT, parseTpm);
  const av = await ps(WINDOWS_ANTIVIRUS_SCRIPT, parseAntivirus);
  const dm = await ctx.powershell(WINDOWS_DOMAIN_MDM_SCRIPT);
  const parsedDm = dm.ok ? parseDomainAndMdm(dm.stdout) : { domain: unknown<boolean>(dm.reason), mdm: unknown<boolean>(dm.reason), domainName: null };
  const lock = await ps(WINDOWS_SCREEN_LOCK_SCRIPT, parseWindowsScreenLock);
  const screen = u.take("screen_lock", lock.ok ? known({ enabled: lock.value.enabled, idle_timeout_seconds: lock.value.idleSeconds, types: null }) : lock);
  if (screen && screen.idle_timeout_seconds === null) u.set("screen_lock.idle_timeout_seconds", "no screen saver or inactivity timeout configured");
  if (screen) u.set("screen_lock.types", "Windows Hello use is not readable from the registry");
  return {
    screen_lock: screen,
    secure_boot: u.take("secure_boot", secureBoot),
    tpm_present: u.take("tpm_present", tpm.ok ? known(tpm.value.present) : tpm),
    antivirus: u.take("antivirus", av),
    mdm_enrolled: u.take("mdm_enrolled", parsedDm.mdm),
    domain_joined: u.take("domain_joined", parsedDm.domain),
  };
}

export function securityCollector(ctx: ProbeContext): Collector<"security"> {
  return {
    family: "security",
    async collect(): Promise<FamilyResult<"security">> {
      const u = new Unknowns();
      if (ctx.platform === "linux") return { value: await collectLinux(ctx, u), unknown: u.map };
      if (ctx.platform === "darwin") return { value: await collectDarwin(ctx, u), unknown: u.map };
      if (ctx.platform === "win32") return { value: await collectWindows(ctx, u), unknown: u.map };
      return { value: null, unknown: { "": `no security probes for ${ctx.platform}` } };
    },
  };
}
