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
  | "config_invalid";

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
