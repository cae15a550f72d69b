/** `facet-agent enroll --url <connector> --token <token>`: create the device key and register it. */
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { AgentError } from "../../errors.ts";
import { enroll } from "../../identity/enroll.ts";
import { action, loggerFrom, stateDirFrom, withCommonOptions, type CommonOptions } from "../common.ts";

interface EnrollFlags extends CommonOptions {
  url: string;
  token?: string;
  tokenFile?: string;
  ca?: string;
  username?: string;
  force?: boolean;
  insecure?: boolean;
  json?: boolean;
}

export function enrollCommand(): Command {
  return withCommonOptions(
    new Command("enroll")
      .description("enroll this device with a Facet connector using an enrollment token")
      .addOption(new Option("--url <connector>", "connector base URL, e.g. https://facet.example.com:8443").env("FACET_URL").makeOptionMandatory())
      // On a shared machine the command line is visible to every user (ps); prefer the env or a file.
      .addOption(new Option("--token <token>", "enrollment token (visible in ps; prefer FACET_ENROLL_TOKEN or --token-file)").env("FACET_ENROLL_TOKEN"))
      .option("--token-file <file>", "read the enrollment token from this file")
      .option("--ca <pem>", "trust this CA bundle for the connector's TLS certificate (remembered for run)")
      .option("--username <name>", "the device's user, instead of the detected console user")
      .option("--force", "replace an existing enrollment")
      .option("--insecure", "allow http:// to a connector on another host (the token and facts travel unencrypted)")
      .option("--json", "print the result as JSON"),
  ).action(
    action(async (flags: EnrollFlags) => {
      const token = readToken(flags);
      const stateDir = stateDirFrom(flags);
      const result = await enroll({
        url: flags.url,
        token,
        stateDir,
        logger: loggerFrom(flags, "warn"),
        ...(flags.ca !== undefined ? { caFile: flags.ca } : {}),
        ...(flags.username !== undefined ? { username: flags.username } : {}),
        ...(flags.force ? { force: true } : {}),
        ...(flags.insecure ? { insecure: true } : {}),
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify(result) + "\n");
      } else {
        process.stdout.write(
          `Enrolled as ${result.deviceId} with ${result.connectorUrl}.\nState and key: ${result.stateDir}\nStart reporting with: facet-agent run${flags.stateDir ? ` --state-dir '${flags.stateDir}'` : ""}\n`,
        );
      }
    }),
  );
}

function readToken(flags: EnrollFlags): string {
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    throw new AgentError("config_invalid", "give the token with --token or --token-file, not both");
  }
  if (flags.tokenFile !== undefined) {
    try {
      return readFileSync(flags.tokenFile, "utf8").trim();
    } catch (err) {
      throw new AgentError("config_invalid", `cannot read token file ${flags.tokenFile}: ${(err as Error).message}`);
    }
  }
  if (flags.token === undefined || flags.token === "") {
    throw new AgentError("config_invalid", "an enrollment token is required: --token, --token-file or FACET_ENROLL_TOKEN");
  }
  return flags.token;
}
