/** `facet-agent uninstall [--purge] [--dry-run]`: remove the service; `--purge` also removes keys, state and config. */
import { Command } from "commander";
import { asServicePlatform, serviceLayout } from "../../service/layout.ts";
import { describePlan, executePlan, uninstallPlan } from "../../service/plan.ts";
import { action, withCommonOptions, type CommonOptions } from "../common.ts";
import { requireAdmin } from "./install.ts";

interface UninstallFlags extends CommonOptions {
  purge?: boolean;
  dryRun?: boolean;
}

export function uninstallCommand(): Command {
  return withCommonOptions(
    new Command("uninstall")
      .description("stop and remove the agent service; --purge also deletes the device key, state and config")
      .option("--purge", "also delete the device key, state and the deployment config file")
      .option("--dry-run", "print what would be removed and run; change nothing"),
  ).action(
    action(async (flags: UninstallFlags) => {
      const layout = serviceLayout(asServicePlatform(process.platform), process.env);
      if (!flags.dryRun) requireAdmin("uninstall");
      const steps = uninstallPlan({ layout: { ...layout, stateDir: flags.stateDir ?? layout.stateDir }, purge: flags.purge ?? false, runningBinary: process.execPath });
      if (flags.dryRun) {
        process.stdout.write(`# facet-agent uninstall --dry-run: nothing has been changed\n${describePlan(steps)}`);
        return;
      }
      await executePlan(steps, undefined, (line) => process.stderr.write(`facet-agent: ${line}\n`));
      process.stdout.write(`Removed ${layout.serviceName}${flags.purge ? " and its key, state and config" : " (key and state kept; --purge removes them)"}.\n`);
    }),
  );
}
