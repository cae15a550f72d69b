/**
 * The connector under test runs as it ships: bundled by the product's build
 * (scripts/build/commands.ts), with its harness (connector-process.ts) bundled beside it, and
 * started by plain Node. Through tsx it ran transformed code of tsx's own, which names every
 * function it makes at run time; a closure made per request then costs a call the product does not
 * make (docs/performance.md, "The bench measures the built connector").
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildCommands } from "../build/commands.ts";

const root = resolve(new URL("../..", import.meta.url).pathname);
let harness: Promise<string> | null = null;

/** The bundled harness's file, built once per bench process into a directory of its own. */
export function builtConnectorHarness(): Promise<string> {
  harness ??= (async () => {
    // Inside the checkout, so the bundle finds node_modules; removed when the bench exits.
    mkdirSync(join(root, "bench-results"), { recursive: true });
    const outDir = mkdtempSync(join(root, "bench-results", "connector-"));
    process.once("exit", () => rmSync(outDir, { recursive: true, force: true }));
    const { distDir } = await buildCommands({ root, outDir, extraEntries: { "bench-connector": "scripts/bench/connector-process.ts" } });
    return join(distDir, "bench-connector.mjs");
  })();
  return harness;
}
