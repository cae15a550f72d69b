/**
 * Errors the agent expects and explains. The CLI prints `message` (and the hint) without a stack
 * trace and exits with `exitCode`; anything else is a bug and keeps its stack.
 */
export type AgentErrorCode =
  | "not_enrolled"
  | "already_enrolled"
  | "key_file_permissions"
  | "key_file_invalid"
  | "state_file_invalid"
  | "enroll_failed"
  | "device_revoked"
  | "device_unknown"
  | "config_invalid"
  | "state_dir_unusable"
  | "log_file_unusable"
  | "file_write_failed";

export class AgentError extends Error {
  override readonly name = "AgentError";
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Exit code when the connector says this device must stop (revoked, unknown): a supervisor should not restart-loop it. */
export const EXIT_DEVICE_REJECTED = 78; // EX_CONFIG: systemd's RestartPreventExitStatus can name it.

/** errno codes the agent meets on its own files, in the words `strerror` would use. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENOENT: "no such file or directory",
  EEXIST: "already exists",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EIO: "input/output error",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
  EBUSY: "device or resource busy",
  EINVAL: "invalid argument",
};

/** The cause of a failed file operation in words (`read-only file system`), never a stack. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && ERRNO_WORDS[code] !== undefined) return ERRNO_WORDS[code];
  if (code !== undefined) return code;
  return err instanceof Error ? err.message : String(err);
}
