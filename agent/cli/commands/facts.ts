/** `facet-agent facts [--json]`: collect this device's facts and print them; nothing is sent. */
import { Command } from "commander";
import { FACTS_VERSION } from "../../../shared/facts/schema.ts";
import { AGENT_VERSION } from "../../version.ts";
import { action, withCommonOptions, type CommonOptions } from "../common.ts";

interface FactsFlags extends CommonOptions {
  json?: boolean;
  all?: boolean;
}

export function factsCommand(): Command {
  return withCommonOptions(
    new Command("facts")
      .description("collect this device's facts and print them (sends nothing)")
      .option("--json", "print { v, collectedAt, agentVersion, facts, unknown } as JSON")
      .option("--all", "show every item of long lists (processes, software)"),
  ).action(
    action(async (flags: FactsFlags) => {
      // Loaded only to collect: the probes' modules are the bulk of the agent.
      const [{ collectFacts }, { withFacetVendor }, { renderFactsTree }] = await Promise.all([
        import("../../collectors/index.ts"),
        import("../../snapshot/vendor.ts"),
        import("../../../shared/facts/tree.ts"),
      ]);
      const collectedAt = new Date().toISOString();
      // One shot: wait (bounded) for the slow pending-security-updates check rather than leave it unknown.
      const collected = await collectFacts({ oneShot: true });
      const { facts, unknown } = withFacetVendor(collected.facts, collected.unknown);
      if (flags.json) {
        process.stdout.write(JSON.stringify({ v: FACTS_VERSION, collectedAt, agentVersion: AGENT_VERSION, facts, unknown }, null, 2) + "\n");
        return;
      }
      process.stdout.write(renderFactsTree(facts, unknown, flags.all ? { maxArrayItems: Infinity } : {}));
      const n = Object.keys(unknown).length;
      process.stdout.write(`\ncollected in ${Math.round(collected.durationMs)} ms; ${n} fact${n === 1 ? "" : "s"} unknown (marked "? unknown")\n`);
    }),
  );
}
