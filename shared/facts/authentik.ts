/**
 * authentik's rules for a device-facts document, as a zod schema.
 *
 * Encodes the `DeviceFacts` serializer of authentik's endpoint devices (the shape its own agent and
 * its Fleet connector store as `cached_facts.data`):
 *   goauthentik/authentik, authentik/endpoints/facts.py
 *   at commit 717f6cd568ed31f9111ea1fed84263b0a6498700 (the newest version in the search corpus:
 *   `BigIntegerField` byte counts, `firewall_enabled` optional, blank `software[].version` allowed,
 *   matching what issue 12 measured against the 2025.12–2026.x releases). Two rules from that
 *   measurement are stricter than the file and are encoded too, so a document valid here is valid
 *   for both:
 *   - `hardware.serial` must be non-blank (717f6cd has `allow_blank=True`; the older
 *     010573da45001327580528f367ff6c64350f99de does not);
 *   - `users[]` and `groups[]`: `id` required, other fields strings that may not be null. 717f6cd
 *     declares no such fields; DRF ignores keys a serializer does not declare, so they pass there.
 *   The older 010573da also required `network.firewall_enabled` and a non-blank
 *   `software[].version`; those releases are not targeted.
 *
 * Django REST framework semantics, field by field:
 *   - `CharField()` is required, refuses `null` ("This field may not be null.") and, unless
 *     `allow_blank=True`, an empty or whitespace-only string ("This field may not be blank.").
 *     Only `disks[].label` and `software[].version` allow blank.
 *   - `IntegerField` refuses `null` and non-integral numbers (byte counts are integers).
 *   - `BooleanField(default=False, required=False)` may be absent but not `null`.
 *   - `ListField` refuses `null` unless `allow_null=True` (only the top-level families), accepts
 *     an empty list, and validates every item.
 *   - A nested `Serializer` refuses anything but an object and ignores keys it does not declare,
 *     so Facet's additions (`os.build`, `disks[].fs_type`, `security`, …) pass through unread.
 * "Unknown" is therefore said by leaving a key out, never by `null`; authentik-view.ts turns
 * Facet's document (explicit nulls) into this shape.
 */
import { z } from "zod";
import { OS_FAMILIES } from "./schema.ts";

/** DRF `CharField()`: a string, trimmed, not blank. */
const charField = z.string().refine((s) => s.trim() !== "", { message: "This field may not be blank." });
/** DRF `CharField(allow_blank=True)`. */
const blankableCharField = z.string();
/** DRF `IntegerField` / authentik's `BigIntegerField`. */
const integerField = z.number().int();
const booleanField = z.boolean();

export const AuthentikDiskSchema = z.looseObject({
  name: charField,
  mountpoint: charField,
  label: blankableCharField.optional(),
  capacity_total_bytes: integerField.optional(),
  capacity_used_bytes: integerField.optional(),
  encryption_enabled: booleanField.optional(),
});

export const AuthentikOsSchema = z.looseObject({
  family: z.enum(OS_FAMILIES),
  name: charField.optional(),
  version: charField.optional(),
  arch: charField,
});

export const AuthentikInterfaceSchema = z.looseObject({
  name: charField,
  hardware_address: charField,
  ip_addresses: z.array(charField).optional(),
  dns_servers: z.array(charField).optional(),
});

export const AuthentikNetworkSchema = z.looseObject({
  hostname: charField,
  firewall_enabled: booleanField.optional(),
  interfaces: z.array(AuthentikInterfaceSchema),
  gateway: charField.optional(),
});

export const AuthentikHardwareSchema = z.looseObject({
  model: charField,
  manufacturer: charField,
  serial: charField,
  cpu_name: charField.optional(),
  cpu_count: integerField.optional(),
  memory_bytes: integerField.optional(),
});

export const AuthentikSoftwareSchema = z.looseObject({
  name: charField,
  version: blankableCharField.optional(),
  source: charField,
  path: charField.optional(),
});

export const AuthentikProcessSchema = z.looseObject({
  id: integerField,
  name: charField,
  user: charField.optional(),
});

export const AuthentikUserSchema = z.looseObject({
  id: charField,
  username: charField.optional(),
  name: charField.optional(),
  home: charField.optional(),
});

export const AuthentikGroupSchema = z.looseObject({
  id: charField,
  name: charField.optional(),
});

/** `DeviceFacts`: every family optional; the six upstream families may also be `null`. */
export const AuthentikFactsSchema = z.looseObject({
  os: AuthentikOsSchema.nullable().optional(),
  disks: z.array(AuthentikDiskSchema).nullable().optional(),
  network: AuthentikNetworkSchema.nullable().optional(),
  hardware: AuthentikHardwareSchema.nullable().optional(),
  software: z.array(AuthentikSoftwareSchema).nullable().optional(),
  processes: z.array(AuthentikProcessSchema).nullable().optional(),
  users: z.array(AuthentikUserSchema).optional(),
  groups: z.array(AuthentikGroupSchema).optional(),
  /** DRF `JSONDictField(required=False)`: an object of anything, not `null`. */
  vendor: z.record(z.string(), z.unknown()).optional(),
});

export type AuthentikFacts = z.infer<typeof AuthentikFactsSchema>;
