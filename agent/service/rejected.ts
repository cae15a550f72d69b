/**
 * What `run` does when the connector rejects the device for good (revoked, or no longer known):
 * exit with a status the service manager will not restart, because every restart would be one more
 * doomed handshake and one more error in the log.
 *
 * Each service manager needs something different:
 * - systemd: exit EXIT_DEVICE_REJECTED (78); the unit's RestartPreventExitStatus=78 keeps it down,
 *   while Restart=on-failure still restarts a crash.
 * - launchd: KeepAlive can only tell a zero from a non-zero exit (SuccessfulExit), so the plist asks
 *   for `--rejected-exit-code 0`; any other exit is still a failure launchd restarts.
 * - Windows Task Scheduler: no setting looks at the exit code, and the watchdog trigger starts the
 *   task every minute whatever it returned, so the task passes `--disable-task-when-rejected` and
 *   the agent (running as SYSTEM) disables its own task before it exits.
 */
import { EXIT_DEVICE_REJECTED } from "../errors.ts";
import type { Logger } from "../log.ts";
import { realExecutor, type Executor } from "./plan.ts";
import { windowsDisableTaskCommand } from "./windows.ts";

export interface RejectionPolicy {
  /** Default EXIT_DEVICE_REJECTED. */
  exitCode?: number;
  /** A Windows scheduled task (`\Facet\FacetAgent`) to disable so it is not started again. */
  disableTask?: string;
}

/** Carries out the policy and returns the exit status to end the process with. */
export function onDeviceRejected(policy: RejectionPolicy, log: Logger, run: Executor["run"] = realExecutor.run): number {
  if (policy.disableTask !== undefined) {
    const argv = windowsDisableTaskCommand(policy.disableTask);
    try {
      run(argv);
      log.warn({ task: policy.disableTask }, "disabled the scheduled task so it does not restart a rejected device; re-enroll, then run `facet-agent install` again (or `schtasks /Change /TN <task> /ENABLE`)");
    } catch (err) {
      // Not fatal: the watchdog will start the agent again each minute, and it will be rejected again.
      log.error({ task: policy.disableTask, argv, err: (err as Error).message }, "could not disable the scheduled task; it will keep being started");
    }
  }
  return policy.exitCode ?? EXIT_DEVICE_REJECTED;
}
