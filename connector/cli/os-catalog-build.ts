/**
 * `facet os-catalog build`: a catalog file from saved feeds, offline, for air-gapped sites. It
 * talks to no connector: it runs the connector's own pure catalog builder (connector/policy/catalog/:
 * the feed parsers, assembly, the refusal rules, the diff), so a file built here is the catalog the
 * connector would have built from the same feeds. The one module of the CLI the layer rules let
 * import more than the REST contract (.dependency-cruiser.cjs `cli-offline-catalog-build`).
 */
import { renameSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { CATALOG_PLATFORMS } from "../api/os-catalog.ts";
import { assembleCatalog } from "../policy/catalog/assemble.ts";
import { diffCatalogs } from "../policy/catalog/diff.ts";
import { feedPartsFromTexts } from "../policy/catalog/from-feeds.ts";
import { loadBundledCatalog } from "../policy/catalog/index.ts";
import { refuseUpdate } from "../policy/catalog/validate-update.ts";
import { readCatalogFile, readText, t } from "./os-catalog-files.ts";
import { print } from "./output.ts";
import { UsageError } from "./usage-error.ts";

export function registerOsCatalogBuild(catalog: Command): void {
  catalog
    .command("build")
    .description("build a catalog file from saved feeds, offline (SOFA macos_data_feed.json, endoflife.date product .md files, MSRC CVRF JSON)")
    .requiredOption("--from <files...>", "saved feed files")
    .requiredOption("-o, --output <file>", "where to write the catalog (JSON)")
    .option("--base <catalog>", "the catalog to update (default: the one bundled with this Facet)")
    .action((o: { from: string[]; output: string; base?: string }) => {
      const now = Date.now();
      const base = o.base ? readCatalogFile(o.base) : loadBundledCatalog();
      let built: ReturnType<typeof feedPartsFromTexts>;
      try {
        built = feedPartsFromTexts(
          o.from.map((name) => ({ name, text: readText(name) })),
          now,
        );
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const next = assembleCatalog(base, built.parts, now);
      for (const platform of CATALOG_PLATFORMS) {
        const problem = refuseUpdate(base, next, platform, now);
        if (problem) throw new UsageError(`refused: ${t(problem)}`);
      }
      const tmp = `${o.output}.tmp-${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`);
      renameSync(tmp, o.output);
      for (const line of built.used) print(`read ${t(line)}`);
      const changes = diffCatalogs(base, next);
      print(`wrote ${t(o.output)}: OS catalog ${t(next.version)} (from ${t(base.version)}), ${changes.length} changes`);
      for (const line of changes.slice(0, 50)) print(`  ${t(line)}`);
      if (changes.length > 50) print(`  … and ${changes.length - 50} more`);
      const unconfirmed = CATALOG_PLATFORMS.filter((p) => next.sources?.[p]?.confirmedAt !== new Date(now).toISOString());
      if (unconfirmed.length > 0) print(`not confirmed by these files (kept from ${t(base.version)}): ${unconfirmed.join(", ")}`);
    });
}
