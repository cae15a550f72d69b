/**
 * `facet-agent install --url <connector> --token <token>`: enroll this device and install the
 * agent as a system service (systemd, launchd, a Windows scheduled task). `--dry-run` prints exactly what
 * would be written and run, and changes nothing. See docs/deploy.md.
 */
import { readFileSync } from "node:fs";
import { isSea } from "node:sea";
import { Command, Option } from "commander";
import { AgentError } from "../../errors.ts";
import { enroll, isEnrolled, parseConnectorUrl } from "../../identity/enroll.ts";
import { checkKeyFilePermissions } from "../../identity/key-file.ts";
import { statePaths } from "../../identity/state-dir.ts";
import { adminProblem, EXIT_NOT_ADMIN, type AdminCheckEnv } from "../../service/admin.ts";
import { asServicePlatform, serviceLayout } from "../../service/layout.ts";
import { describePlan, executePlan, installPlan, realExecutor, serviceStatusCommand } from "../../service/plan.ts";
import { action, loggerFrom, withCommonOptions, type CommonOptions } from "../common.ts";

interface InstallFlags extends CommonOptions {
  url?: string;
  token?: string;
  tokenFile?: string;
  ca?: string;
  username?: string;
  force?: boolean;
  dryRun?: boolean;
  binary?: string;
  insecure?: boolean;
}

export function installCommand(): Command {
  return withCommonOptions(
    new Command("install")
      .description("enroll this device and install the agent as a system service (run as root/Administrator)")
      .addOption(new Option("--url <connector>", "connector base URL, e.g. https://facet.example.com:8443").env("FACET_URL"))
      .addOption(new Option("--token <token>", "enrollment token (visible in ps; prefer FACET_ENROLL_TOKEN or --token-file)").env("FACET_ENROLL_TOKEN"))
      .option("--token-file <file>", "read the enrollment token from this file")
      .option("--ca <pem>", "trust this CA bundle for the connector's TLS certificate")
      .option("--username <name>", "the device's user, instead of the detected console user")
      .option("--force", "enroll again even if this device is already enrolled")
      .option("--insecure", "allow http:// to a connector on another host (the token and facts travel unencrypted)")
      .option("--binary <path>", "the facet-agent executable to install (default: this one)")
      .option("--dry-run", "print what would be written and run; change nothing"),
  ).action(
    action(async (flags: InstallFlags) => {
      const layout = serviceLayout(asServicePlatform(process.platform), process.env);
      if (!flags.dryRun) requireAdmin("install");
      const stateDir = flags.stateDir ?? layout.stateDir;
      const effective = { ...layout, stateDir };
      const sourceBinary = flags.binary ?? (isSea() ? process.execPath : undefined);
      if (sourceBinary === undefined) {
        throw new AgentError("config_invalid", "install needs the single-file facet-agent executable (npm run package), or --binary <path> to one");
      }
      const enrolled = isEnrolled(stateDir) && !flags.force;
      if (!enrolled && !flags.url) throw new AgentError("config_invalid", "--url (or FACET_URL) is required to enroll this device");
      // Before any step runs: a URL enroll would refuse (cleartext to another host) must not leave half an install.
      if (!enrolled) parseConnectorUrl(flags.url!, { insecure: flags.insecure ?? false });
      const steps = installPlan({ layout: effective, sourceBinary, ...(enrolled ? {} : { enrollUrl: flags.url! }) });
      if (flags.dryRun) {
        process.stdout.write(`# facet-agent install --dry-run: nothing has been changed\n${describePlan(steps)}`);
        return;
      }
      const token = enrolled ? undefined : readToken(flags);
      const log = loggerFrom(flags, "warn");
      await executePlan(steps, {
        ...realExecutor,
        async enroll({ url, stateDir: dir }) {
          const r = await enroll({
            url, token: token!, stateDir: dir, logger: log,
            ...(flags.ca !== undefined ? { caFile: flags.ca } : {}),
            ...(flags.username !== undefined ? { username: flags.username } : {}),
            ...(flags.force ? { force: true } : {}),
            ...(flags.insecure ? { insecure: true } : {}),
          });
          process.stdout.write(`Enrolled as ${r.deviceId} with ${r.connectorUrl}.\n`);
          // The service refuses a key others can read; catch it now, not at the first start.
          const check = checkKeyFilePermissions(statePaths(dir).key);
          if (!check.ok) throw new AgentError("key_file_permissions", check.problem ?? "the key file is not private");
        },
      }, (line) => process.stderr.write(`facet-agent: ${line}\n`));
      process.stdout.write(`Installed ${layout.displayName} as ${layout.serviceName}${enrolled ? " (kept the existing enrollment)" : ""}.\n`);
      process.stdout.write(`Check that it runs: ${serviceStatusCommand(layout).join(" ")}\n`);
    }),
  );
}

function readToken(flags: InstallFlags): string {
  if (flags.token !== undefined && flags.tokenFile !== undefined) throw new AgentError("config_invalid", "give the token with --token or --token-file, not both");
  const token = flags.tokenFile !== undefined ? readFileSync(flags.tokenFile, "utf8").trim() : flags.token;
  if (!token) throw new AgentError("config_invalid", "an enrollment token is required: --token, --token-file or FACET_ENROLL_TOKEN");
  return token;
}

/** Refuses, before anything is read or changed, unless root / an elevated Administrator (service/admin.ts). */
export function requireAdmin(what: string, env: AdminCheckEnv = currentProcess()): void {
  const problem = adminProblem(env, what);
  if (problem !== undefined) throw new AgentError("config_invalid", problem, EXIT_NOT_ADMIN);
}

function currentProcess(): AdminCheckEnv {
  return { platform: process.platform, ...(typeof process.geteuid === "function" ? { geteuid: process.geteuid } : {}) };
}
