/**
 * `facet-agent run`: the long-lived loop. SIGINT/SIGTERM stop it gracefully (exit 0). A device the
 * connector rejects (revoked, unknown) exits EXIT_DEVICE_REJECTED (78), or what the service
 * definition asked for with --rejected-exit-code; see service/rejected.ts.
 */
import { Command, Option } from "commander";
import { AgentError, EXIT_DEVICE_REJECTED } from "../../errors.ts";
import { DEFAULT_LOG_KEEP, DEFAULT_LOG_MAX_BYTES } from "../../log-file.ts";
import { createLogger, type Logger } from "../../log.ts";
import { action, stateDirFrom, withCommonOptions, type CommonOptions } from "../common.ts";
import { integerOption } from "../../../shared/cli/integer-option.ts";

interface RunFlags extends CommonOptions {
  ca?: string;
  reconnectBaseMs?: number;
  reconnectCapMs?: number;
  logFile?: string;
  logMaxBytes?: number;
  rejectedExitCode?: number;
  disableTaskWhenRejected?: string;
  browserCertificate: boolean;
  signInHost?: string[];
  insecure?: boolean;
}

const exitStatus = integerOption({ min: 0, max: 255, what: "an exit status" });
const logBytes = integerOption({ min: 1024, what: "a number of bytes" });

function runLogger(flags: RunFlags): Logger {
  const level = flags.logLevel ?? "info";
  if (flags.logFile === undefined) return createLogger(level);
  return createLogger(level, { path: flags.logFile, maxBytes: flags.logMaxBytes ?? DEFAULT_LOG_MAX_BYTES, keep: DEFAULT_LOG_KEEP });
}

const positiveMs = integerOption({ min: 1, max: 3_600_000, what: "milliseconds" });

export function runCommand(): Command {
  return withCommonOptions(
    new Command("run")
      .description("connect to the connector and report facts until stopped")
      .option("--ca <pem>", "trust this CA bundle for wss:// (default: the one given at enroll)")
      // Full jitter over min(cap, base × 2^attempt); the defaults (1 s, 5 min) spread a fleet out after a connector restart.
      .addOption(new Option("--reconnect-base-ms <ms>", "first reconnect delay window").env("FACET_RECONNECT_BASE_MS").argParser(positiveMs))
      .addOption(new Option("--reconnect-cap-ms <ms>", "largest reconnect delay window").env("FACET_RECONNECT_CAP_MS").argParser(positiveMs))
      .addOption(new Option("--log-file <path>", `write the log (JSON lines) to this file instead of stderr, 0600, rotated by size keeping ${DEFAULT_LOG_KEEP} old files`).env("FACET_LOG_FILE"))
      .addOption(new Option("--log-max-bytes <n>", "rotate the log file before it grows past this size").default(DEFAULT_LOG_MAX_BYTES, "10 MiB").argParser(logBytes))
      .addOption(new Option("--rejected-exit-code <status>", "exit status when the connector rejects this device (revoked, unknown)").default(EXIT_DEVICE_REJECTED).argParser(exitStatus))
      .addOption(new Option("--disable-task-when-rejected <task>", "Windows: disable this scheduled task when the device is rejected (Task Scheduler restarts whatever the exit status)"))
      .addOption(
        new Option("--no-browser-certificate", "do not install the device certificate into the console user's browsers (sign-ins then cannot prove this device)")
          .env("FACET_NO_BROWSER_CERTIFICATE"),
      )
      .addOption(new Option("--sign-in-host <host...>", "macOS: hosts users sign in at, for the keychain's identity preference").env("FACET_SIGN_IN_HOSTS"))
      .addOption(
        new Option("--insecure", "allow http:// / ws:// to a connector on another host although enrollment did not accept it (facts travel unencrypted)")
          .env("FACET_INSECURE"),
      ),
  ).action(
    action(async (flags: RunFlags) => {
      // Loaded here, not at the top: `--version`, `--help` and the other commands start without
      // the transport, TLS and certificate modules.
      const [{ runAgent }, { browserStoreInstaller }, { enrollFromDeploymentConfig }, { onDeviceRejected }] = await Promise.all([
        import("../../transport/agent-loop.ts"),
        import("../../certificate/browser-stores.ts"),
        import("../../service/first-start.ts"),
        import("../../service/rejected.ts"),
      ]);
      // Opening the log file can fail (a bad path): that is reported on stderr like any other start-up error.
      const log = runLogger(flags);
      const ac = new AbortController();
      const stop = (signal: NodeJS.Signals) => {
        if (ac.signal.aborted) {
          log.warn({ signal }, "second signal; exiting now");
          process.exit(130);
        }
        log.info({ signal }, "stopping");
        ac.abort();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      try {
        await enrollFromDeploymentConfig(stateDirFrom(flags), log, process.env, { insecure: flags.insecure ?? false });
        await runAgent({
          stateDir: stateDirFrom(flags),
          signal: ac.signal,
          logger: log,
          ...(flags.insecure ? { insecure: true } : {}),
          ...(flags.ca !== undefined ? { caFile: flags.ca } : {}),
          ...(flags.browserCertificate
            ? { deviceCertificate: { installer: browserStoreInstaller({ stateDir: stateDirFrom(flags), log, ...(flags.signInHost ? { signInHosts: flags.signInHost } : {}) }) } }
            : {}),
          backoff: {
            ...(flags.reconnectBaseMs !== undefined ? { baseMs: flags.reconnectBaseMs } : {}),
            ...(flags.reconnectCapMs !== undefined ? { capMs: flags.reconnectCapMs } : {}),
          },
        });
      } catch (err) {
        // The CLI prints the reason on stderr; with a log file that goes nowhere (a Windows task), so log it too.
        if (flags.logFile !== undefined) {
          if (err instanceof AgentError) log.error({ code: err.code }, err.message);
          else log.fatal({ err }, "unexpected error; exiting");
        }
        if (err instanceof AgentError && (err.code === "device_revoked" || err.code === "device_unknown")) {
          // A supervisor must not restart-loop a rejected device: every restart is one more doomed handshake.
          const policy = { exitCode: flags.rejectedExitCode ?? EXIT_DEVICE_REJECTED, ...(flags.disableTaskWhenRejected !== undefined ? { disableTask: flags.disableTaskWhenRejected } : {}) };
          throw new AgentError(err.code, err.message, onDeviceRejected(policy, log));
        }
        throw err;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    }),
  );
}
