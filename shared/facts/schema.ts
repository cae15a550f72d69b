/**
 * The facts document: what an agent reports about its device.
 *
 * Same keys as authentik's device-facts shape for the same things; Facet only ever adds keys.
 * Every leaf is nullable: `null` means "could not be determined", and the snapshot's `unknown` map
 * says why — never a guessed value. authentik refuses those nulls, so what authentik is served is
 * the view authentik-view.ts derives (unknowns left out), validated by authentik.ts's rules.
 *
 * Objects are loose so a connector keeps keys added by a newer agent; sizes are bounded because
 * the document arrives from the network.
 */
import { z } from "zod";

export const FACTS_VERSION = 1;

const str = z.string().max(4096);
const nstr = str.nullable();
const nbool = z.boolean().nullable();
const nint = z.number().int().nonnegative().nullable();
const nnum = z.number().nonnegative().nullable();

export const OS_FAMILIES = ["linux", "unix", "bsd", "windows", "mac_os", "android", "i_os", "other"] as const;

export const OsPatchSchema = z.looseObject({
  /** Date (ISO 8601) of the most recent security update or patch installed. */
  last_patch_date: nstr,
  days_since_last_patch: nint,
  /** Pending security updates (Linux apt/dnf), when readable. */
  pending_security_updates: nint,
});

export const OsSchema = z.looseObject({
  family: z.enum(OS_FAMILIES).nullable(),
  name: nstr,
  version: nstr,
  arch: nstr,
  /** Facet: Windows `major.minor.build.UBR`, macOS build (with RSR suffix), Linux kernel release. */
  build: nstr.optional(),
  kernel: nstr.optional(),
  patch: OsPatchSchema.nullable().optional(),
});

export const DiskSchema = z.looseObject({
  name: nstr,
  mountpoint: nstr,
  label: nstr.optional(),
  capacity_total_bytes: nnum,
  capacity_used_bytes: nnum,
  encryption_enabled: nbool,
  /** Facet additions. */
  fs_type: nstr.optional(),
  internal: nbool.optional(),
  removable: nbool.optional(),
  encryption_method: nstr.optional(),
  /** Facet: EFI system partition, /boot, or a macOS system-support volume (Preboot, Recovery, VM), unencrypted by design. */
  boot_partition: nbool.optional(),
});

export const InterfaceSchema = z.looseObject({
  name: nstr,
  hardware_address: nstr,
  ip_addresses: z.array(str).max(256).nullable(),
  dns_servers: z.array(str).max(64).nullable(),
});

export const NetworkSchema = z.looseObject({
  hostname: nstr,
  firewall_enabled: nbool,
  gateway: nstr.optional(),
  interfaces: z.array(InterfaceSchema).max(256).nullable(),
  /** Facet: per-OS firewall detail (profiles, stealth mode, backend). */
  firewall: z.record(str, z.unknown()).nullable().optional(),
});

export const HardwareSchema = z.looseObject({
  model: nstr,
  manufacturer: nstr,
  serial: nstr,
  cpu_name: nstr,
  cpu_count: nint,
  memory_bytes: nnum,
  /** Facet additions: hardware UUID, hypervisor detection, node-machine-id hash. */
  uuid: nstr.optional(),
  virtual: nbool.optional(),
  machine_id: nstr.optional(),
});

export const ScreenLockSchema = z.looseObject({
  enabled: nbool,
  idle_timeout_seconds: nint.optional(),
  /** PASSCODE | BIOMETRIC, as Okta names them, where readable. */
  types: z.array(str).max(8).nullable().optional(),
});

export const SecuritySchema = z.looseObject({
  screen_lock: ScreenLockSchema.nullable(),
  secure_boot: nbool,
  tpm_present: nbool.optional(),
  secure_enclave_present: nbool.optional(),
  sip_enabled: nbool.optional(),
  gatekeeper_enabled: nbool.optional(),
  antivirus: z.array(z.record(str, z.unknown())).max(64).nullable().optional(),
  mdm_enrolled: nbool.optional(),
  domain_joined: nbool.optional(),
});

export const SoftwareSchema = z.looseObject({ name: str, version: nstr, source: nstr, path: nstr.optional() });
export const ProcessSchema = z.looseObject({ id: z.number().int(), name: str, user: nstr });
export const UserSchema = z.looseObject({ id: str, username: str, name: nstr, home: nstr });
export const GroupSchema = z.looseObject({ id: str, name: str });

export const FACTS_LIMITS = { software: 5000, processes: 2000, users: 1000, groups: 1000, disks: 256 } as const;

export const FactsSchema = z.looseObject({
  os: OsSchema.nullable(),
  disks: z.array(DiskSchema).max(FACTS_LIMITS.disks).nullable(),
  network: NetworkSchema.nullable(),
  hardware: HardwareSchema.nullable(),
  security: SecuritySchema.nullable(),
  software: z.array(SoftwareSchema).max(FACTS_LIMITS.software).nullable(),
  processes: z.array(ProcessSchema).max(FACTS_LIMITS.processes).nullable(),
  users: z.array(UserSchema).max(FACTS_LIMITS.users).nullable(),
  groups: z.array(GroupSchema).max(FACTS_LIMITS.groups).nullable(),
  vendor: z.record(str, z.record(str, z.unknown())).nullable(),
});

/** Why each `null` fact is null, keyed by its path (`disks[0].encryption_enabled`, `software`). */
export const UnknownSchema = z.record(str.max(256), str.max(1024));

export type Facts = z.infer<typeof FactsSchema>;
export type Unknown = z.infer<typeof UnknownSchema>;
export type OsFacts = z.infer<typeof OsSchema>;
export type DiskFacts = z.infer<typeof DiskSchema>;
export type NetworkFacts = z.infer<typeof NetworkSchema>;
export type SecurityFacts = z.infer<typeof SecuritySchema>;
export type SoftwareFacts = z.infer<typeof SoftwareSchema>;
export type ProcessFacts = z.infer<typeof ProcessSchema>;
export type UserFacts = z.infer<typeof UserSchema>;
export type GroupFacts = z.infer<typeof GroupSchema>;

/**
 * How the device certificate's private key is kept (agent/certificate/stores/types.ts): a soft
 * token file (`software`), the OS keystore with the key non-exportable (`os_keystore`), or a TPM /
 * Secure Enclave (`hardware`, only when the agent proved it).
 */
export const KEY_TRUST_LEVELS = ["software", "os_keystore", "hardware"] as const;

/** Facet's vendor entry `device_certificate`: the browser client certificate the agent installed. */
export const DeviceCertificateFactsSchema = z.looseObject({
  key_trust_level: z.enum(KEY_TRUST_LEVELS).nullable(),
  /** ISO 8601 end of validity of the installed certificate. */
  not_after: nstr,
  /** Where it was installed: `nss:chrome`, `nss:firefox:<profile>`, `keychain:login`, `windows:CurrentUser\My`. */
  stores: z.array(str.max(256)).max(32).nullable(),
});
export type DeviceCertificateFacts = z.infer<typeof DeviceCertificateFactsSchema>;

/** The vendor key under which Facet puts its own metadata, beside other vendors'. */
export const FACET_VENDOR_KEY = "facet.dev/agent";
