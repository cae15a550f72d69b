/**
 * A realistic facts document for simulated agents: the shape a Linux laptop's agent reports
 * (authentik's keys plus Facet's), varied per device so stored rows and indexes are not all equal.
 * Sized so the signed canonical snapshot body is about 4 KB, like a real agent's without software
 * and process inventories.
 */
import { FACET_VENDOR_KEY, type Facts, type Unknown } from "../../shared/facts/schema.ts";

const MODELS = [
  ["LENOVO", "21HMCTO1WW", "13th Gen Intel(R) Core(TM) i7-1365U"],
  ["Dell Inc.", "Latitude 7440", "13th Gen Intel(R) Core(TM) i5-1345U"],
  ["HP", "HP EliteBook 840 G10", "13th Gen Intel(R) Core(TM) i7-1355U"],
  ["Framework", "Laptop 13 (AMD Ryzen 7040Series)", "AMD Ryzen 7 7840U w/ Radeon 780M Graphics"],
] as const;

/** The long-running processes a laptop reports (ids are offset per device). */
const PROCESSES: [number, string, string][] = [
  [1, "/sbin/init splash", "root"],
  [412, "/usr/lib/systemd/systemd-journald", "root"],
  [455, "/usr/lib/systemd/systemd-udevd", "root"],
  [801, "/usr/lib/systemd/systemd-resolved", "systemd-resolve"],
  [934, "/usr/sbin/NetworkManager --no-daemon", "root"],
  [951, "/usr/sbin/cron -f -P", "root"],
  [1022, "/usr/libexec/polkitd --no-debug", "polkitd"],
  [1190, "/usr/bin/containerd", "root"],
  [1402, "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock", "root"],
  [2210, "/usr/bin/gnome-shell", "$user"],
  [2388, "/usr/libexec/gnome-terminal-server", "$user"],
  [3120, "/opt/facet/bin/facet-agent run", "root"],
  [4021, "/usr/lib/firefox/firefox", "$user"],
  [5133, "/usr/share/code/code --type=renderer", "$user"],
  [5210, "/usr/bin/pipewire", "$user"],
  [5222, "/usr/bin/wireplumber", "$user"],
  [5301, "/usr/sbin/cupsd -l", "root"],
  [5377, "/usr/sbin/sshd -D", "root"],
  [6012, "/snap/slack/current/usr/lib/slack/slack", "$user"],
];

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, "0").slice(-width);
}

function mac(i: number, nic: number): string {
  const b = [0x3c, 0x52 + nic, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, 0x10 + nic];
  return b.map((x) => hex(x, 2)).join(":");
}

/** The facts a simulated device `index` reports; deterministic so runs are comparable. */
export function benchFacts(index: number): Facts {
  const [manufacturer, model, cpu] = MODELS[index % MODELS.length]!;
  const hostname = `lt-${hex(index * 2654435761, 8)}`;
  const user = `user${index}`;
  return {
    os: {
      family: "linux",
      name: "Ubuntu",
      version: "24.04.3 LTS (Noble Numbat)",
      arch: "amd64",
      build: "6.8.0-88-generic",
      kernel: "6.8.0-88-generic",
      patch: { last_patch_date: "2026-11-18", days_since_last_patch: 5, pending_security_updates: index % 3 },
    },
    disks: [
      {
        name: "/dev/mapper/ubuntu--vg-ubuntu--lv",
        mountpoint: "/",
        label: null,
        capacity_total_bytes: 510_770_802_688,
        capacity_used_bytes: 100_000_000_000 + (index % 1000) * 1_000_000,
        encryption_enabled: true,
        fs_type: "ext4",
        internal: true,
        removable: false,
        encryption_method: "LUKS2 aes-xts-plain64",
      },
      {
        name: "/dev/nvme0n1p1",
        mountpoint: "/boot/efi",
        label: "EFI",
        capacity_total_bytes: 1_124_999_168,
        capacity_used_bytes: 6_463_488,
        encryption_enabled: false,
        fs_type: "vfat",
        internal: true,
        removable: false,
        encryption_method: null,
      },
    ],
    network: {
      hostname,
      firewall_enabled: true,
      gateway: "192.168.1.1",
      interfaces: [
        {
          name: "wlp0s20f3",
          hardware_address: mac(index, 0),
          ip_addresses: [`192.168.${(index >> 8) & 0xff}.${index & 0xff}/24`, `fe80::${hex(index, 4)}:1ff:fe23:4567/64`],
          dns_servers: ["127.0.0.53"],
        },
        {
          name: "enp0s31f6",
          hardware_address: mac(index, 1),
          ip_addresses: [],
          dns_servers: [],
        },
        { name: "docker0", hardware_address: mac(index, 2), ip_addresses: ["172.17.0.1/16"], dns_servers: [] },
      ],
      firewall: { backend: "nftables", default_input_policy: "drop", active_rules: 42 },
    },
    hardware: {
      model,
      manufacturer,
      serial: `PF${hex(index * 40503, 6).toUpperCase()}${hex(index, 2).toUpperCase()}`,
      cpu_name: cpu,
      cpu_count: 12,
      memory_bytes: 33_404_657_664,
      uuid: `${hex(index * 7919, 8)}-1f2e-4d3c-8b7a-${hex(index, 12)}`,
      virtual: false,
      machine_id: hex(index * 2246822519, 8) + "7c0b6a1e9d8f4c2ba3e5d7f9012345",
    },
    security: {
      screen_lock: { enabled: true, idle_timeout_seconds: 300, types: ["PASSCODE"] },
      secure_boot: true,
      tpm_present: true,
      mdm_enrolled: null,
      domain_joined: false,
      antivirus: [{ name: "ClamAV", version: "1.0.7", enabled: true, definitions_date: "2026-11-22" }],
    },
    software: null,
    processes: PROCESSES.map(([id, name, owner]) => ({ id: id + (index % 97), name, user: owner === "$user" ? user : owner })),
    users: [
      { id: "0", username: "root", name: "root", home: "/root" },
      { id: "1000", username: user, name: `User ${index}`, home: `/home/${user}` },
    ],
    groups: [
      { id: "0", name: "root" },
      { id: "4", name: "adm" },
      { id: "24", name: "cdrom" },
      { id: "27", name: "sudo" },
      { id: "30", name: "dip" },
      { id: "46", name: "plugdev" },
      { id: "110", name: "lpadmin" },
      { id: "999", name: "docker" },
      { id: "1000", name: user },
    ],
    vendor: {
      [FACET_VENDOR_KEY]: { agent_version: "0.1.0", collector_ms: 412, platform: "linux" },
    },
  };
}

export function benchUnknown(): Unknown {
  return {
    software: "not collected on linux yet",
    "security.mdm_enrolled": "no MDM enrollment probe on linux",
  };
}
