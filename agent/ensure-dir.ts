/**
 * Creating the agent's own directories (the state dir, the log file's dir, the service's), so that
 * a path the agent cannot use is refused in one line that names the path and the real cause.
 *
 * Why not `mkdirSync(dir, { recursive: true })`: Node's recursive mkdir reports the wrong errno on
 * a read-only filesystem (ENOENT instead of EROFS, since it retries the parent, which exists), and
 * it never returns for a path under /proc: there mkdir of the child gives ENOENT although the
 * parent exists, mkdir of the parent gives EEXIST, and it retries the child forever. Here each
 * missing component is created once, from the nearest existing ancestor down, and the first one
 * that fails is the one reported.
 */
import { accessSync, constants, mkdirSync, statfsSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import { AgentError, describeFsError, type AgentErrorCode } from "./errors.ts";

export interface DirPurpose {
  /** Words for the message: "the state directory", "the log directory". */
  what: string;
  code: AgentErrorCode;
  /**
   * Also refuse an existing directory this process cannot write. The log file's directory skips
   * this: opening the file names the cause, and an existing file may be writable where its directory is not.
   */
  mustBeWritable: boolean;
  /** For each directory created. Default 0700: the agent's directories are owner-only. */
  mode?: number;
}

/**
 * Linux filesystems that are views of the kernel, not storage (statfs f_type, from
 * linux/magic.h): mkdir there fails oddly or not at all, and nothing written there persists.
 */
const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x1cd1, "devpts"],
  [0xcafe4a11, "bpf"],
  [0x42494e4d, "binfmt_misc"],
  [0x62656570, "configfs"],
  [0xde5e81e4, "efivarfs"],
  [0x6165676c, "pstore"],
  [0xf97cff8c, "selinuxfs"],
  [0x65735543, "fusectl"],
  [0x6e736673, "nsfs"],
]);

/**
 * Makes sure `dir` is a directory (one this process can write, if asked), creating it and its
 * missing parents (0700 unless told). Throws an AgentError with `purpose.code`: `cannot use <dir> as the state directory: …`.
 */
export function ensureDirectory(dir: string, purpose: DirPurpose, platform: NodeJS.Platform = process.platform): void {
  const target = path.resolve(dir);
  const fail = (cause: string): never => {
    throw new AgentError(purpose.code, `cannot use ${target} as ${purpose.what}: ${cause}`);
  };
  const { existing, stats, missing } = nearestExisting(target, fail);
  if (!stats.isDirectory()) fail(existing === target ? "it exists and is not a directory" : `${existing} is not a directory`);
  if (platform === "linux") {
    const fsName = pseudoFilesystemAt(existing);
    if (fsName !== undefined) fail(`${existing} is on ${fsName}, a kernel pseudo-filesystem that cannot hold the agent's files`);
  }
  for (const component of missing) {
    try {
      mkdirSync(component, { mode: purpose.mode ?? 0o700 });
    } catch (err) {
      // Another process may create it between our stat and mkdir; that is as good as ours.
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && isDirectory(component)) continue;
      fail(`${component === target ? "cannot create it" : `cannot create ${component}`}: ${describeMkdirError(err)}`);
    }
  }
  if (!purpose.mustBeWritable) return;
  try {
    accessSync(target, constants.W_OK | constants.X_OK);
  } catch (err) {
    fail(`not writable: ${describeFsError(err)}`);
  }
}

/** Walks up from `target` to the first path that exists; `missing` is what mkdir must create, top first. */
function nearestExisting(target: string, fail: (cause: string) => never): { existing: string; stats: Stats; missing: string[] } {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      return { existing: current, stats: statSync(current), missing };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: some ancestor is a file; walking up finds it and names it.
      if (code !== "ENOENT" && code !== "ENOTDIR") fail(`${current === target ? "" : `${current}: `}${describeFsError(err)}`);
      missing.unshift(current);
      const parent = path.dirname(current);
      if (parent === current) fail(describeFsError(err));
      current = parent;
    }
  }
}

/** mkdir of a child whose parent exists saying ENOENT means the filesystem will not create it. */
function describeMkdirError(err: unknown): string {
  if ((err as NodeJS.ErrnoException).code === "ENOENT") return "the filesystem does not allow creating directories there";
  return describeFsError(err);
}

function pseudoFilesystemAt(p: string): string | undefined {
  try {
    return PSEUDO_FILESYSTEMS.get(statfsSync(p).type);
  } catch {
    return undefined; // statfs unavailable: the mkdir below still fails in bounded time.
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
