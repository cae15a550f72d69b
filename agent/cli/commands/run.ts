/** `facet-agent run`: the long-lived loop. SIGINT/SIGTERM stop it gracefully. */
import { Command, InvalidArgumentError, Option } from "commander";
import { AgentError, EXIT_DEVICE_REJECTED } from "../../errors.ts";
import { runAgent } from "../../transport/agent-loop.ts";
import { action, loggerFrom, stateDirFrom, withCommonOptions, type CommonOptions } from "../common.ts";
import { enrollFromDeploymentConfig } from "../../service/first-start.ts";

interface RunFlags extends CommonOptions {
  ca?: string;
  reconnectBaseMs?: number;
  reconnectCapMs?: number;
}

function positiveMs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3_600_000) throw new InvalidArgumentError("must be milliseconds, 1–3600000");
  return n;
}

export function runCommand(): Command {
  return withCommonOptions(
    new Command("run")
      .description("connect to the connector and report facts until stopped")
      .option("--ca <pem>", "trust this CA bundle for wss:// (default: the one given at enroll)")
      // Full jitter over min(cap, base × 2^attempt); the defaults (1 s, 5 min) spread a fleet out after a connector restart.
      .addOption(new Option("--reconnect-base-ms <ms>", "first reconnect delay window").env("FACET_RECONNECT_BASE_MS").argParser(positiveMs))
      .addOption(new Option("--reconnect-cap-ms <ms>", "largest reconnect delay window").env("FACET_RECONNECT_CAP_MS").argParser(positiveMs)),
  ).action(
    action(async (flags: RunFlags) => {
      const log = loggerFrom(flags);
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
        await enrollFromDeploymentConfig(stateDirFrom(flags), log);
        await runAgent({
          stateDir: stateDirFrom(flags),
          signal: ac.signal,
          logger: log,
          ...(flags.ca !== undefined ? { caFile: flags.ca } : {}),
          backoff: {
            ...(flags.reconnectBaseMs !== undefined ? { baseMs: flags.reconnectBaseMs } : {}),
            ...(flags.reconnectCapMs !== undefined ? { capMs: flags.reconnectCapMs } : {}),
          },
        });
      } catch (err) {
        if (err instanceof AgentError && (err.code === "device_revoked" || err.code === "device_unknown")) {
          // A supervisor (systemd, launchd) must not restart-loop a rejected device.
          throw new AgentError(err.code, err.message, EXIT_DEVICE_REJECTED);
        }
        throw err;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    }),
  );
}
