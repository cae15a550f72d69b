/** A complete, schema-valid facts document for tests, with overrides per family. */
import type { Facts } from "../../shared/facts/schema.ts";

export function sampleFacts(overrides: Partial<Facts> = {}): Facts {
  return {
    os: { family: "linux", name: "Debian GNU/Linux", version: "12", arch: "x64", kernel: "6.1.0-18-amd64" },
    disks: [
      { name: "/dev/nvme0n1p2", mountpoint: "/", capacity_total_bytes: 512e9, capacity_used_bytes: 100e9, encryption_enabled: null },
    ],
    network: { hostname: "build-01", firewall_enabled: null, interfaces: [] },
    hardware: {
      model: "ThinkPad T14",
      manufacturer: "LENOVO",
      serial: "PF3ABCDE",
      cpu_name: "AMD Ryzen 7",
      cpu_count: 16,
      memory_bytes: 32e9,
      uuid: "4c4c4544-0042-3510-8052-b4c04f4e4e32",
      machine_id: "9f6c1e2d3b4a59687766554433221100",
    },
    security: null,
    software: null,
    processes: null,
    users: [{ id: "1000", username: "alice", name: "Alice", home: "/home/alice" }],
    groups: null,
    vendor: null,
    ...overrides,
  };
}

export const SAMPLE_UNKNOWN = {
  "disks[0].encryption_enabled": "not collected on linux yet",
  "network.firewall_enabled": "not collected on linux yet",
  security: "not collected on linux yet",
};

/** Sample facts with a serial, machine id and hardware UUID no other test device shares. */
export function uniqueFacts(overrides: Partial<Facts> = {}): Facts {
  const randomUUID = () => globalThis.crypto.randomUUID();
  const base = sampleFacts(overrides);
  return {
    ...base,
    hardware: { ...base.hardware!, serial: `SN-${randomUUID().slice(0, 8)}`, machine_id: randomUUID().replaceAll("-", ""), uuid: randomUUID() },
  };
}
