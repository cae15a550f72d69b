/** Facts documents and policies for tests: realistic devices of each platform, overridable per test. */
import type { Facts, Unknown } from "../../../shared/facts/schema.ts";
import { OsCatalogSchema, type OsCatalog } from "../../../connector/policy/catalog/index.ts";
import { CompiledExpressions } from "../../../connector/policy/cel/compile.ts";
import frozen from "./catalog-2025-11-14.json" with { type: "json" };
import { parsePolicyBody } from "../../../connector/policy/parse.ts";
import type { Policy } from "../../../connector/policy/schema.ts";
import type { CheckState, EvaluationInput } from "../../../connector/policy/types.ts";
import type { Device } from "../../../connector/store/types.ts";

/**
 * The frozen catalog evaluation tests use (the one bundled until 2026-08): tests pin it, not the
 * bundled catalog, so rebuilding the bundled one never changes what they expect.
 */
export const TEST_CATALOG: OsCatalog = OsCatalogSchema.parse(frozen);

/**
 * Just after TEST_CATALOG's newest entries (2025-11-11 Patch Tuesday, macOS 26.1), well
 * inside its freshness window: tests that rely on TEST_CATALOG's "latest" use this clock,
 * never today's date, so they keep meaning the same thing as the catalog ages.
 */
export const CATALOG_NOW = Date.parse("2025-11-20T12:00:00Z");

/**
 * A copy of TEST_CATALOG re-dated to `publishedAt` (and versioned after it), with the same
 * releases: a *synthetic* catalog for tests about the catalog's age, never real release data.
 */
export function redatedCatalog(publishedAt: string, patch: (catalog: OsCatalog) => void = () => {}): OsCatalog {
  const catalog = structuredClone(TEST_CATALOG);
  catalog.publishedAt = publishedAt;
  catalog.version = publishedAt.replaceAll("-", ".").replace(/\.0(\d)/g, ".$1");
  patch(catalog);
  return catalog;
}

type DeepPartial<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends readonly unknown[] ? T[K] : NonNullable<T[K]> extends object ? DeepPartial<NonNullable<T[K]>> | null : T[K];
};

function merge<T>(base: T, patch: unknown): T {
  if (patch === undefined) return base;
  if (patch === null || typeof patch !== "object" || Array.isArray(patch) || base === null || typeof base !== "object") return patch as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) out[key] = merge(out[key], value);
  return out as T;
}

const common = {
  software: [],
  processes: [],
  users: [{ id: "501", username: "alice", name: "Alice", home: "/Users/alice" }],
  groups: [],
  vendor: { "facet.dev/agent": { agent_version: "0.1.0" } },
};

export function macFacts(patch?: DeepPartial<Facts>): Facts {
  return merge<Facts>(
    {
      os: { family: "mac_os", name: "macOS", version: "15.7.2", arch: "arm64", build: "24G325", kernel: "24.6.0", patch: { last_patch_date: "2025-11-04", days_since_last_patch: 16, pending_security_updates: 0 } },
      disks: [{ name: "disk3s1", mountpoint: "/", capacity_total_bytes: 494384795648, capacity_used_bytes: 2e11, encryption_enabled: true, internal: true, removable: false }],
      network: { hostname: "alice-mbp", firewall_enabled: true, interfaces: [] },
      hardware: { model: "Mac15,6", manufacturer: "Apple Inc.", serial: "C02XYZ123", cpu_name: "Apple M3 Pro", cpu_count: 12, memory_bytes: 38654705664 },
      security: { screen_lock: { enabled: true, idle_timeout_seconds: 300, types: ["PASSCODE", "BIOMETRIC"] }, secure_boot: true, tpm_present: false, secure_enclave_present: true },
      ...common,
    },
    patch,
  );
}

export function windowsFacts(patch?: DeepPartial<Facts>): Facts {
  return merge<Facts>(
    {
      os: { family: "windows", name: "Microsoft Windows 11 Pro", version: "10.0.26100", arch: "x64", build: "10.0.26100.7171", patch: null },
      disks: [{ name: "C:", mountpoint: "C:\\", capacity_total_bytes: 511e9, capacity_used_bytes: 2e11, encryption_enabled: true, internal: true, removable: false }],
      network: { hostname: "DESKTOP-42", firewall_enabled: true, interfaces: [] },
      hardware: { model: "Latitude 7440", manufacturer: "Dell Inc.", serial: "5CG1234", cpu_name: "Intel Core i7-1365U", cpu_count: 12, memory_bytes: 34359738368 },
      security: { screen_lock: { enabled: true, types: ["PASSCODE"] }, secure_boot: true, tpm_present: true },
      ...common,
    },
    patch,
  );
}

export function linuxFacts(patch?: DeepPartial<Facts>): Facts {
  return merge<Facts>(
    {
      os: { family: "linux", name: "Ubuntu", version: "24.04.3 LTS (Noble Numbat)", arch: "amd64", kernel: "6.8.0-88-generic", patch: { last_patch_date: "2025-11-18", days_since_last_patch: 2, pending_security_updates: 0 } },
      disks: [{ name: "/dev/dm-0", mountpoint: "/", capacity_total_bytes: 123472097280, capacity_used_bytes: 44141334528, encryption_enabled: true, internal: true, removable: false }],
      network: { hostname: "linux-test", firewall_enabled: true, interfaces: [] },
      hardware: { model: "ThinkPad T14", manufacturer: "LENOVO", serial: "PF3ABCDE", cpu_name: "AMD Ryzen 7", cpu_count: 16, memory_bytes: 32e9 },
      security: { screen_lock: { enabled: true, types: ["PASSCODE"] }, secure_boot: true, tpm_present: true },
      ...common,
    },
    patch,
  );
}

/** A stored policy from a body, failing the test loudly when the body is invalid. */
export function policyOf(body: Record<string, unknown>, id = "dap_test", version = 1): Policy {
  const parsed = parsePolicyBody(body);
  if (!parsed.ok) throw new Error(`test policy is invalid: ${parsed.message}`);
  return { ...parsed.body, id, version, createdDate: "2025-11-01T00:00:00.000Z", lastUpdate: "2025-11-01T00:00:00.000Z" };
}

/** Shared by the tests' evaluations, as one connector's compliance service shares its own. */
const TEST_EXPRESSIONS = new CompiledExpressions();

export function inputOf(
  policy: Policy,
  facts: Facts | null,
  options: { unknown?: Unknown; now?: number; collectedAt?: number | null; state?: Map<string, CheckState>; catalog?: OsCatalog; catalogMaxAgeDays?: number } = {},
): EvaluationInput {
  const now = options.now ?? CATALOG_NOW;
  return {
    policy,
    facts,
    unknown: options.unknown ?? {},
    collectedAt: options.collectedAt === undefined ? (facts ? now - 60_000 : null) : options.collectedAt,
    catalog: options.catalog ?? TEST_CATALOG,
    ...(options.catalogMaxAgeDays !== undefined ? { catalogMaxAgeDays: options.catalogMaxAgeDays } : {}),
    now,
    state: options.state ?? new Map(),
    expressions: TEST_EXPRESSIONS,
  };
}

/** A live Linux device row whose public key differs per id, for store-backed compliance tests. */
export function storedDevice(id: string): Device {
  return {
    id, name: id, publicKey: Buffer.alloc(32, id.length).toString("base64") + id, platform: "linux", serial: null, manufacturer: null, model: null,
    machineId: null, username: null, enrolledAt: CATALOG_NOW, revokedAt: null, lastSeq: 0, lastSeenAt: null,
  };
}
