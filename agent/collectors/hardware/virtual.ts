/**
 * Linux: is this a virtual machine or a container? Decided from independent witnesses rather than
 * systeminformation's guess (which greps dmesg for "kvm" and so calls an AMD host whose kernel
 * logs "kvm_amd: Virtual VMLOAD VMSAVE supported" virtual):
 *   - container markers (/.dockerenv, /run/.containerenv) and systemd-detect-virt's container
 *     names: a container is virtual, whatever hardware it runs on;
 *   - systemd-detect-virt: a hypervisor's name, or "none";
 *   - the CPU's `hypervisor` flag in /proc/cpuinfo, set by every mainstream hypervisor for its guests;
 *   - DMI vendor/product names (QEMU, VMware, VirtualBox, Hyper-V, Xen, cloud vendors…).
 * When the witnesses that answer disagree, the answer is unknown with what each said.
 */
import { known, unknown, type Probe, type ProbeContext } from "../probe.ts";

export interface VirtualWitnesses {
  /** systemd-detect-virt's one word ("none", "kvm", "docker"…), or null when it did not answer. */
  detectVirt: string | null;
  /** /proc/cpuinfo, or null when unreadable. */
  cpuinfo: string | null;
  /** DMI sys_vendor and product_name, null when absent. */
  dmiVendor: string | null;
  dmiProduct: string | null;
  /** Container marker files found. */
  containerMarkers: string[];
}

const CONTAINERS = new Set(["docker", "podman", "lxc", "lxc-libvirt", "systemd-nspawn", "openvz", "rkt", "wsl", "proot", "pouch", "container-other"]);
const VM_DMI = /qemu|kvm|vmware|virtualbox|innotek|xen|bochs|parallels|virtual machine|hvm domu|amazon ec2|google compute engine|openstack|firecracker|cloud hypervisor|bhyve/i;

/** The CPU's `hypervisor` flag, or null when the text has no flags line to judge by. */
export function cpuinfoSaysHypervisor(cpuinfo: string): boolean | null {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1];
  if (flags === undefined) return null;
  return flags.trim().split(/\s+/).includes("hypervisor");
}

export function judgeLinuxVirtual(w: VirtualWitnesses): Probe<boolean> {
  const detect = w.detectVirt?.trim() || null;
  if (w.containerMarkers.length > 0 || (detect !== null && CONTAINERS.has(detect))) return known(true);
  const votes: Array<[string, boolean]> = [];
  if (detect !== null) votes.push([`systemd-detect-virt: ${detect}`, detect !== "none"]);
  const flag = w.cpuinfo === null ? null : cpuinfoSaysHypervisor(w.cpuinfo);
  if (flag !== null) votes.push([flag ? "cpuinfo: hypervisor flag" : "cpuinfo: no hypervisor flag", flag]);
  const dmi = [w.dmiVendor, w.dmiProduct].map((s) => s?.trim() ?? "").filter(Boolean).join(" ");
  if (dmi) votes.push([`DMI: ${dmi}`, VM_DMI.test(dmi)]);
  if (votes.length === 0) return unknown("no witness answered (systemd-detect-virt, /proc/cpuinfo flags, DMI)");
  if (votes.every(([, v]) => v === votes[0]![1])) return known(votes[0]![1]);
  return unknown(`witnesses disagree: ${votes.map(([what, v]) => `${what} (${v ? "virtual" : "physical"})`).join("; ")}`);
}

export async function probeLinuxVirtual(ctx: ProbeContext): Promise<Probe<boolean>> {
  const [detect, cpuinfo, vendor, product, dockerenv, containerenv] = await Promise.all([
    ctx.run(["systemd-detect-virt"]),
    ctx.readText("/proc/cpuinfo"),
    ctx.readText("/sys/class/dmi/id/sys_vendor"),
    ctx.readText("/sys/class/dmi/id/product_name"),
    ctx.exists("/.dockerenv"),
    ctx.exists("/run/.containerenv"),
  ]);
  // systemd-detect-virt exits 1 when it prints "none": an answer, not a failure.
  const detectWord = detect.ok ? detect.stdout : /^\s*none\s*$/.test(detect.stdout ?? "") ? "none" : null;
  return judgeLinuxVirtual({
    detectVirt: detectWord,
    cpuinfo: cpuinfo.ok ? cpuinfo.value : null,
    dmiVendor: vendor.ok ? vendor.value : null,
    dmiProduct: product.ok ? product.value : null,
    containerMarkers: [dockerenv ? "/.dockerenv" : "", containerenv ? "/run/.containerenv" : ""].filter(Boolean),
  });
}
