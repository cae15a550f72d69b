/**
 * A Facet device as a Fleet host (`GET /api/v1/fleet/hosts`), the shape authentik's Fleet
 * connector reads (shared/reference/authentik-fleet-connector.md §3, which lists every key it
 * reads and which absent keys abort its whole sync). Pure: the route loads what it needs.
 *
 * - `uuid` is the Facet device id: the device certificate's SAN `urn:device:apple:uuid:<id>` is
 *   what authentik's mTLS stage matches against it.
 * - `hardware_serial`: a device without a hardware serial gets `facet:<device id>`, stable and
 *   unique, because authentik keys devices by it and "" would merge every such device into one.
 * - `device_mapping` carries the users an authority bound the device to, never users the device
 *   claims; authentik matches their `email` with its users' email.
 * - `policies`: each device-assurance policy that applies to the device, with Facet's verdict as
 *   `response` ("pass", "fail", or "" when the verdict is unknown).
 * - Unknown facts are "" or 0 where Fleet has a key that must be present, never a guess.
 */
import type { Facts } from "../../shared/facts/schema.ts";
import type { Device, DeviceBinding } from "../store/types.ts";

export interface FleetPolicyVerdict {
  id: number;
  name: string;
  result: "PASS" | "FAIL" | "UNKNOWN" | "GRACE";
  passing: boolean;
}

export interface HostInputs {
  device: Device;
  facts: Facts | null;
  online: boolean;
  bindings: DeviceBinding[];
  policies: FleetPolicyVerdict[];
  /** Which of Fleet's optional parts the caller asked for. */
  populate: { software: boolean; users: boolean; policies: boolean; deviceMapping: boolean };
}

/** Fleet's `platform_like`: authentik maps debian and rhel to linux, darwin to mac_os, windows to windows. */
const DEBIAN_LIKE = /\b(ubuntu|debian|mint|pop!?_?os|elementary|kali|raspbian|zorin)\b/i;
const RHEL_LIKE = /\b(red hat|rhel|fedora|centos|rocky|alma|amazon linux|oracle linux)\b/i;

export function platformOf(facts: Facts | null): { platform: string; platformLike: string } {
  const family = facts?.os?.family ?? null;
  const name = facts?.os?.name ?? "";
  if (family === "mac_os") return { platform: "darwin", platformLike: "darwin" };
  if (family === "windows") return { platform: "windows", platformLike: "windows" };
  if (family === "linux") {
    if (DEBIAN_LIKE.test(name)) return { platform: name.toLowerCase().includes("ubuntu") ? "ubuntu" : "debian", platformLike: "debian" };
    if (RHEL_LIKE.test(name)) return { platform: name.toLowerCase().includes("fedora") ? "fedora" : "rhel", platformLike: "rhel" };
    // Fleet reports other distributions under their own name; authentik files them as "other".
    return { platform: "linux", platformLike: "linux" };
  }
  return { platform: "", platformLike: "" };
}

/** Fleet's `os_version` text ("macOS 15.7.2", "Ubuntu 24.04.3 LTS"): authentik splits name and version at the first dotted number. */
function osVersionText(facts: Facts | null): string {
  const os = facts?.os;
  if (!os) return "";
  const name = os.family === "mac_os" && !os.name ? "macOS" : (os.name ?? "");
  return [name, os.version ?? ""].filter((p) => p !== "").join(" ");
}

export const SERIAL_STAND_IN_PREFIX = "facet:";

export function fleetHost(input: HostInputs): Record<string, unknown> {
  const { device, facts, populate } = input;
  const { platform, platformLike } = platformOf(facts);
  const hostname = facts?.network?.hostname ?? device.hostname ?? device.name ?? device.id;
  const serial = facts?.hardware?.serial ?? device.serial;
  const seen = device.lastSeenAt === null ? null : new Date(device.lastSeenAt).toISOString();
  const host: Record<string, unknown> = {
    // Fleet's numeric host id has no Facet counterpart: a stable number derived from the device id.
    id: numericId(device.id),
    uuid: device.id,
    hostname,
    display_name: device.name ?? hostname,
    computer_name: hostname,
    hardware_serial: serial && serial.trim() !== "" ? serial : `${SERIAL_STAND_IN_PREFIX}${device.id}`,
    hardware_model: facts?.hardware?.model ?? "",
    hardware_vendor: facts?.hardware?.manufacturer ?? "",
    platform,
    platform_like: platformLike,
    os_version: osVersionText(facts),
    build: facts?.os?.build ?? "",
    code_name: "",
    cpu_type: facts?.os?.arch ?? "",
    cpu_brand: facts?.hardware?.cpu_name ?? "",
    cpu_logical_cores: facts?.hardware?.cpu_count ?? 0,
    memory: Math.round(facts?.hardware?.memory_bytes ?? 0),
    status: input.online ? "online" : "offline",
    seen_time: seen,
    last_enrolled_at: new Date(device.enrolledAt).toISOString(),
    team_id: null,
    team_name: null,
    osquery_version: "",
    orbit_version: null,
  };
  if (populate.software) {
    // authentik refuses a software entry without a source; such entries are left out, not given a made-up one.
    host.software = (facts?.software ?? [])
      .filter((s) => s.name && s.source)
      .map((s, i) => ({ id: i + 1, name: s.name, version: s.version ?? "", source: s.source }));
  }
  if (populate.users) {
    host.users = (facts?.users ?? []).map((u) => ({ uid: Number.parseInt(u.id, 10) || 0, username: u.username, type: "", groupname: "", shell: "" }));
  }
  if (populate.policies) {
    host.policies = input.policies.map((p) => ({
      id: p.id,
      name: p.name,
      query: "",
      description: "Facet device assurance policy",
      critical: false,
      response: p.result === "UNKNOWN" ? "" : p.passing ? "pass" : "fail",
    }));
  }
  if (populate.deviceMapping) {
    host.device_mapping = input.bindings.map((b) => ({ email: b.username, source: `facet:${b.source}` }));
  }
  return host;
}

/** 53 bits of the device id's hash: a JSON-safe integer, stable across replicas and restarts. */
export function numericId(deviceId: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < deviceId.length; i++) {
    const c = deviceId.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return (h1 & 0x1fffff) * 0x100000000 + h2;
}
